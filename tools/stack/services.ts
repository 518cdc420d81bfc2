import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';

/** One process of the stack, as the launcher runs it from the build output. */
export interface ServiceSpec {
  name: string;
  /** What the person at the terminal calls it ("the control plane"). */
  title: string;
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
  /** Where its output goes: its JSON logs, one event a line. */
  logFile: string;
  /** Resolves with the exit code; death by signal N is reported as 128 + N, as shells do. */
  exited: Promise<number>;
}

const HEALTH_TIMEOUT_MS = 60_000;

/** Starts the service with its output appended to `logFile`, never the terminal. */
export async function startService(spec: ServiceSpec, cwd: string, logFile: string): Promise<RunningService> {
  if (spec.health) await assertPortFree(spec.title, spec.health.port);
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [spec.entry], {
      cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
      // Own process group: a terminal Ctrl-C reaches only the launcher, which stops the services
      // one by one. Nest drops its handler after the first signal, so a second copy from the
      // terminal would kill a service in the middle of its graceful shutdown.
      detached: true,
    });
  } finally {
    closeSync(log); // the child has its own copy
  }
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1)); // could not spawn
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  return { spec, child, logFile, exited };
}

/** `preferred` when nothing listens there, else a port the system picks. */
export function freePort(preferred: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => {
        const { port: bound } = probe.address() as { port: number };
        probe.close(() => resolve(bound));
      });
    });
  return listen(preferred).catch(() => listen(0));
}

/** Whatever else listens on the port would answer the health check in the service's place. */
function assertPortFree(title: string, port: number): Promise<void> {
  const probe = createServer();
  return new Promise((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port}, which ${title} needs, is already in use`) : error),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

export async function waitUntilHealthy(service: RunningService): Promise<void> {
  const { health, title } = service.spec;
  if (!health) return;
  const url = `http://127.0.0.1:${health.port}${health.path}`;
  let exitCode: number | undefined;
  void service.exited.then((code) => (exitCode = code));

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!(await answersOk(url))) {
    if (exitCode !== undefined) throw new Error(`${title} exited with code ${exitCode} before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`${title}: ${url} did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
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

/** Signals the service unless it has exited, and waits for it to exit. */
export async function stopService(service: RunningService, signal: NodeJS.Signals): Promise<number> {
  const { child } = service;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return service.exited;
}

/**
 * The last lines of a service's log, readable: the JSON events as `level message (error)`, anything
 * else (a crash's stack trace) as it is. For a service that stopped when it should not have.
 */
export async function logTail(logFile: string, lines = 15): Promise<string[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(-lines)
    .map(readableLogLine);
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function readableLogLine(line: string): string {
  try {
    const event = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string }; context?: string };
    const level = LEVELS[event.level ?? 30] ?? 'info';
    const error = event.err?.message ? ` (${event.err.message})` : '';
    return `${level.padEnd(5)} ${event.context ? `[${event.context}] ` : ''}${event.msg ?? ''}${error}`;
  } catch {
    return line;
  }
}
