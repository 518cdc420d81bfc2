import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  REPO_ROOT,
  startFakeOpenAiServer,
  waitForHealth,
  type Exit,
  type FakeLlmServer,
  type ServerProcess,
  type TestDatabase,
} from '@oz/testing';

/** Where the built apps are: the repository's dist/, or OZ_E2E_DIST (a build of another checkout). */
export const DIST = process.env['OZ_E2E_DIST'] ?? join(REPO_ROOT, 'dist');
export const AGENT_API_KEY = 'e2e-agent-key-0123456789abcdef';
/** Workers the tests connect (a scripted worker, @oz/testing) use this shared token. */
export const WORKER_TOKEN = 'e2e-worker-token-0123456789abcdef';

export interface StackOptions {
  /**
   * Start the control plane too, with the workspace in remote mode (the default; OZ_E2E_CONTROL_PLANE=0
   * turns it off): agents reply through it and the control-plane pages have something to show.
   */
  controlPlane?: boolean;
  /** Extra variables for the control plane (say, a provider quota). */
  controlPlaneEnv?: Record<string, string>;
}

export interface Stack {
  /** Where the browser goes: the workspace API, which serves the built dashboard at `/`. */
  webUrl: string;
  apiUrl: string;
  controlPlaneUrl: string | null;
  /** The control plane's admin key, for tests that set things up through its API (never the browser). */
  adminKey: string;
  /** The fake OpenAI-compatible provider answering every agent and run; script its replies per test. */
  llm: FakeLlmServer;
  stop(): Promise<void>;
}

/**
 * The real stack for browser tests: PostgreSQL (fresh databases), the built control plane with a fake
 * LLM provider behind it, and the built workspace API in remote mode serving the built dashboard
 * itself (`OZ_WEB_DIR`), as `npm start` runs them.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const withControlPlane = options.controlPlane ?? process.env['OZ_E2E_CONTROL_PLANE'] !== '0';
  assertBuilt('workspace-api');
  if (withControlPlane) assertBuilt('control-plane');
  // The SPA always comes from this repository's build (the app under test).
  const webDist = join(REPO_ROOT, 'dist/apps/workspace-web/browser');
  if (!existsSync(join(webDist, 'index.html'))) throw new Error(`${webDist}/index.html is missing: run \`npx nx e2e workspace-web-e2e\` (it builds what it runs)`);

  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const llm = await startFakeOpenAiServer();
    cleanups.push(() => llm.close());
    const database = async (): Promise<TestDatabase> => {
      const db = await createTestDatabase('oz_web_e2e');
      cleanups.push(() => db.drop());
      return db;
    };
    const provider = { OZ_PROVIDER_CUSTOM_BASE_URL: llm.url, OZ_PROVIDER_CUSTOM_MODEL: 'fake-model', OZ_PROVIDER_CUSTOM_STREAM: 'true' };
    const adminKey = `e2e-admin-${randomBytes(12).toString('hex')}`;

    let controlPlaneUrl: string | null = null;
    let runner: Record<string, string> = { OZ_RUNNER_MODE: 'local', ...provider };
    if (withControlPlane) {
      const port = await freePort();
      const cp = startBuiltApp('control-plane', [], {
        DATABASE_URL: (await database()).url,
        OZ_ADMIN_API_KEY: adminKey,
        OZ_WORKER_TOKEN: WORKER_TOKEN,
        PORT: String(port),
        HOST: '127.0.0.1',
        OZ_LOG_LEVEL: 'warn',
        OZ_DEFAULT_HARNESS: 'custom',
        ...provider,
        ...options.controlPlaneEnv,
      });
      cleanups.push(() => stopProcess(cp));
      controlPlaneUrl = `http://127.0.0.1:${port}`;
      await waitForHealth(`${controlPlaneUrl}/health`, cp.exit, cp.output);
      runner = {
        OZ_RUNNER_MODE: 'remote',
        OZ_API_BASE_URL: `${controlPlaneUrl}/api/v1`,
        OZ_API_KEY: adminKey,
        OZ_REMOTE_POLL_INTERVAL_MS: '200',
        OZ_CP_POLL_INTERVAL_MS: '300',
      };
    }

    // A fixed port gives `nx stack` a stable URL to print.
    const apiPort = Number(process.env['OZ_E2E_WEB_PORT'] ?? 0) || (await freePort());
    const api = startBuiltApp('workspace-api', [], {
      DATABASE_URL: (await database()).url,
      AGENT_API_KEY,
      // Each user's control-plane token is kept sealed with it.
      OZ_SECRETS_KEY: randomBytes(32).toString('base64'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      OZ_LOG_LEVEL: 'warn',
      OZ_WEB_DIR: webDist,
      ...runner,
    });
    cleanups.push(() => stopProcess(api));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHealth(`${apiUrl}/health`, api.exit, api.output);
    return { webUrl: apiUrl, apiUrl, controlPlaneUrl, adminKey, llm, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function assertBuilt(app: string): void {
  if (!existsSync(join(DIST, 'apps', app, 'main.js'))) {
    throw new Error(`${DIST}/apps/${app}/main.js is missing: run \`npx nx e2e workspace-web-e2e\` (it builds what it runs) or \`npx nx build ${app}\``);
  }
}

/** Runs a built app as operators do (`node main.js`), with exactly `env` plus PATH. */
function startBuiltApp(app: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [join(DIST, 'apps', app, 'main.js'), ...args], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exit, output: () => stdout + stderr };
}

async function stopProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await server.exit;
  clearTimeout(timer);
}
