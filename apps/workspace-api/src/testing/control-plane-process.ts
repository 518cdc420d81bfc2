import { assertBuilt, createTestDatabase, freePort, startBuiltApp, waitForHealth, type ServerProcess, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';

/** A real control plane (the built app, as a process) on a database of its own, for the remote runner's tests. */
export interface ControlPlaneProcess {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Its `/api/v1`, what the workspace's OZ_API_BASE_URL names. */
  apiUrl: string;
  adminKey: string;
  /** Calls `/api/v1` + `path` with the admin key; a JSON body when given. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** SIGTERM, then waits for it to exit and drops its database; says so when stopping took long. */
  stop(): Promise<void>;
}

/**
 * Starts the control plane with `env` on top of the settings every such test needs (loopback, quiet
 * logs, no scheduler). `databaseName` names the test database it gets.
 */
export async function startControlPlaneProcess(databaseName: string, env: Record<string, string>): Promise<ControlPlaneProcess> {
  assertBuilt('control-plane');
  const adminKey = `admin-${randomBytes(12).toString('hex')}`;
  const database: TestDatabase = await createTestDatabase(databaseName);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server: ServerProcess = startBuiltApp('control-plane', [], {
    DATABASE_URL: database.url,
    OZ_ADMIN_API_KEY: adminKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    OZ_LOG_LEVEL: 'warn',
    OZ_SCHEDULER_ENABLED: 'false',
    ...env,
  });
  await waitForHealth(`${origin}/health`, server.exit, server.output);
  return {
    origin,
    apiUrl: `${origin}/api/v1`,
    adminKey,
    admin: (method, path, body) =>
      fetch(`${origin}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async stop() {
      const started = Date.now();
      server.child.kill('SIGTERM');
      await server.exit;
      // A control plane that takes long to stop is a shutdown bug to find, not to hide.
      if (Date.now() - started > 5_000) console.warn(`the control plane took ${Date.now() - started} ms to stop:\n${server.output().slice(-4000)}`);
      await database.drop();
    },
  };
}
