import { WORKER_WS_PATH } from '@oz/contract';
import { ConfigError, parseEnv } from '@oz/server-kit';
import { CommandLineError, parseCommandLine, usage, USAGE_LINE } from './command-line';
import { WorkerEnv } from './worker-env';

export { ConfigError };

export interface WorkerConfig {
  workerId: string;
  maxConcurrentTasks: number;
  /** ws(s)://host/api/v1/selfhosted/worker/ws */
  controlPlaneUrl: string;
  apiKey: string;
  /** False leaves containers (and their logs) behind for debugging. */
  cleanup: boolean;
  reconnect: { maxAttempts: number; windowMs: number };
  task: {
    memoryBytes: number;
    nanoCpus: number;
    pidsLimit: number;
    /** Docker network mode of task containers (`bridge`, `none`, a network name). */
    network: string;
    /** host:container[:ro] bind mounts added to every task container (a repository mirror, a cache). */
    mounts: string[];
  };
  logLevel: string;
}

/** What the command line asks for: the usage, or a worker with this configuration. */
export type WorkerCommand = { help: true; usage: string } | { help: false; config: WorkerConfig };

const MOUNT = /^\/[^:]+:\/[^:]+(:ro|:rw)?$/;

/**
 * Reads the flags and the environment once, flags winning over variables. Throws ConfigError naming
 * every problem at once.
 */
export function readWorkerCommand(argv: string[], env: Record<string, string | undefined>): WorkerCommand {
  let commandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CommandLineError) throw new ConfigError(`${error.message}\n${USAGE_LINE} (--help lists every option)`);
    throw error;
  }
  if (commandLine.help) return { help: true, usage: usage() };

  const { parsed, problems } = parseEnv(WorkerEnv, { ...env, ...commandLine.overrides });
  const controlPlaneUrl = workerSocketUrl(parsed.OZ_CONTROL_PLANE_URL);
  if (controlPlaneUrl === null) problems.push(`--control-plane-url (OZ_CONTROL_PLANE_URL) must be an http(s) URL (got "${parsed.OZ_CONTROL_PLANE_URL}")`);
  const mounts = [...commandLine.mounts, ...splitList(parsed.OZ_TASK_MOUNTS)];
  for (const mount of mounts) {
    if (!MOUNT.test(mount)) problems.push(`--mount must be /host/path:/container/path[:ro] (got "${mount}")`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid worker configuration:\n  - ${problems.join('\n  - ')}\n${USAGE_LINE} (--help lists every option)`);
  }
  return {
    help: false,
    config: {
      workerId: parsed.OZ_WORKER_ID,
      maxConcurrentTasks: parsed.OZ_MAX_CONCURRENT_TASKS,
      controlPlaneUrl: controlPlaneUrl as string,
      apiKey: parsed.OZ_WORKER_API_KEY,
      cleanup: commandLine.cleanup,
      reconnect: { maxAttempts: parsed.OZ_RECONNECT_MAX_ATTEMPTS, windowMs: parsed.OZ_RECONNECT_WINDOW_SECONDS * 1000 },
      task: {
        memoryBytes: parsed.OZ_TASK_MEMORY_MB * 1024 * 1024,
        nanoCpus: Math.round(parsed.OZ_TASK_CPUS * 1e9),
        pidsLimit: parsed.OZ_TASK_PIDS_LIMIT,
        network: parsed.OZ_TASK_NETWORK,
        mounts,
      },
      logLevel: parsed.OZ_LOG_LEVEL,
    },
  };
}

/**
 * The gateway's WebSocket URL from the control plane's URL as people write it: http(s) or ws(s),
 * with or without a trailing `/api/v1`. Null when it is not such a URL.
 */
export function workerSocketUrl(controlPlaneUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(controlPlaneUrl);
  } catch {
    return null;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return null;
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}${WORKER_WS_PATH}`;
  return url.toString();
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
