import { assertBuilt, startBuiltApp, type Exit, type ServerProcess } from '@oz/testing';

/** What the control planes under test accept from workers (OZ_WORKER_TOKEN). */
export const WORKER_TOKEN = 'docker-worker-token-0123456789';

export interface WorkerOptions {
  /** `host:container[:ro]` bind mounts for every task container. */
  mounts?: string[];
  maxConcurrentTasks?: number;
  env?: Record<string, string>;
}

/**
 * The built worker (`dist/apps/worker/main.js`, built by the e2e target's dependsOn) connected to
 * the control plane at `origin`, its task containers small and on no network.
 */
export function startWorker(origin: string, workerId: string, options: WorkerOptions = {}): ServerProcess {
  assertBuilt('worker');
  const args = ['--worker-id', workerId, '--max-concurrent-tasks', String(options.maxConcurrentTasks ?? 2)];
  for (const mount of options.mounts ?? []) args.push('--mount', mount);
  return startBuiltApp('worker', args, {
    ...dockerHost(),
    OZ_CONTROL_PLANE_URL: origin,
    OZ_WORKER_API_KEY: WORKER_TOKEN,
    OZ_TASK_NETWORK: 'none',
    OZ_TASK_MEMORY_MB: '256',
    OZ_LOG_LEVEL: 'warn',
    ...options.env,
  });
}

/** The worker with exactly these flags and variables (and the tests' Docker engine), for tests of its command line. */
export function runWorkerCommand(args: string[], env: Record<string, string>): ServerProcess {
  assertBuilt('worker');
  return startBuiltApp('worker', args, { ...dockerHost(), ...env });
}

/** Sends `signal` unless it exited already; resolves with how it ended. */
export function stopWorker(worker: ServerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  return worker.exit;
}

/** The workers use the engine the tests' own docker commands use. */
function dockerHost(): Record<string, string> {
  const host = process.env['DOCKER_HOST'];
  return host ? { DOCKER_HOST: host } : {};
}
