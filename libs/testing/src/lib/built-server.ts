import { assertBuilt, freePort, startBuiltApp, waitForHealth, type Exit, type ServerProcess } from './server-process';

/** A built server app running as its own process on a loopback port. */
export interface BuiltServer extends ServerProcess {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** SIGTERM, as an orchestrator stops it; resolves when it exited. */
  stop(): Promise<Exit>;
  /** SIGKILL: a crash. */
  kill(): Promise<Exit>;
}

export interface BuiltServerOptions {
  /** A fixed port (to restart a server where it was); otherwise a free one. */
  port?: number;
  healthPath?: string;
  timeoutMs?: number;
}

/**
 * Starts `dist/apps/<app>/main.js` with exactly `env` plus PORT and HOST (127.0.0.1), and resolves
 * once its health route answers 200; fails with the server's output if it exits or never gets there.
 * The app must be built already: e2e targets build it through Nx (`dependsOn`), tests never do.
 */
export async function startBuiltServer(app: string, env: Record<string, string>, options: BuiltServerOptions = {}): Promise<BuiltServer> {
  assertBuilt(app);
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const server = startBuiltApp(app, [], { ...env, HOST: '127.0.0.1', PORT: String(port) });
  const signal = async (name: NodeJS.Signals): Promise<Exit> => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(name);
    return server.exit;
  };
  try {
    const health = await waitForHealth(`${origin}${options.healthPath ?? '/health'}`, server.exit, server.output, options.timeoutMs);
    if (!health.ok) throw new Error(`${app} answered its health check with ${health.status}:\n${server.output()}`);
  } catch (error) {
    await signal('SIGKILL');
    throw error;
  }
  return { ...server, origin, port, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
