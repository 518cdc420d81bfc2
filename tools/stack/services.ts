import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

/** One process of the stack, as the launcher runs it from the build output. */
export interface ServiceSpec {
  name: string;
  /** Built entry point, relative to the repository root. */
  entry: string;
  /** Added to the launcher's own environment. */
  env: Record<string, string>;
  /** Polled on 127.0.0.1 until it answers 200; services without one count as ready at once. */
  health?: { port: number; path: string };
}

export interface RunningService {
  spec: ServiceSpec;
  child: ChildProcess;
  /** Resolves with the exit code; death by signal N is reported as 128 + N, as shells do. */
  exited: Promise<number>;
}

const HEALTH_TIMEOUT_MS = 60_000;

export async function startService(spec: ServiceSpec, cwd: string): Promise<RunningService> {
  if (spec.health) await assertPortFree(spec.name, spec.health.port);
  const child = spawn(process.execPath, [spec.entry], {
    cwd,
    env: { ...process.env, ...spec.env },
    stdio: 'inherit',
    // Own process group: a terminal Ctrl-C reaches only the launcher, which forwards exactly one
    // signal. Nest drops its handler after the first signal, so a second copy from the terminal
    // would kill the service in the middle of its graceful shutdown.
    detached: true,
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1)); // could not spawn
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  return { spec, child, exited };
}

/** Whatever else listens on the port would answer the health check in the service's place. */
function assertPortFree(name: string, port: number): Promise<void> {
  const probe = createServer();
  return new Promise((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`${name}: port ${port} is already in use`) : error),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

export async function waitUntilHealthy(service: RunningService): Promise<void> {
  const { health, name } = service.spec;
  if (!health) return;
  const url = `http://127.0.0.1:${health.port}${health.path}`;
  let exitCode: number | undefined;
  void service.exited.then((code) => (exitCode = code));

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!(await answersOk(url))) {
    if (exitCode !== undefined) {
      throw new Error(`${name} exited with code ${exitCode} before ${url} answered`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${name}: ${url} did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
    }
    await delay(250);
  }
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Signals every service that is still running and waits for all of them to exit. */
export async function stopServices(services: RunningService[], signal: NodeJS.Signals): Promise<void> {
  for (const { child } of services) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  await Promise.all(services.map((service) => service.exited));
}
