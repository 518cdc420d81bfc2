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
  /** Globs of the images tasks may run in; empty: any. */
  allowedImages: string[];
  reconnect: { maxAttempts: number; windowMs: number };
  task: {
    memoryBytes: number;
    nanoCpus: number;
    pidsLimit: number;
    /** Docker network mode of task containers (`bridge`, `none`, a network name). */
    network: string;
    /** Host TCP ports tasks on the worker's own network may reach. */
    hostPorts: number[];
    /** host:container[:ro] bind mounts added to every task container (a repository mirror, a cache). */
    mounts: string[];
    /** Docker's json-file rotation of the container's log: max-size and max-file. */
    logMaxSize: string;
    logMaxFiles: number;
    /** Log lines per second sent for each task. */
    logLinesPerSecond: number;
  };
  /** GET /metrics on a port of its own; port 0: off. `portChosen`: set by the operator (then it must be free). */
  metrics: { port: number; host: string; token: string | null; portChosen: boolean };
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
  else if (!parsed.OZ_ALLOW_INSECURE_WS && !isSafeSocketUrl(controlPlaneUrl)) {
    problems.push(
      `--control-plane-url (OZ_CONTROL_PLANE_URL) ${parsed.OZ_CONTROL_PLANE_URL} is not encrypted and not on this machine: the worker token and task secrets would cross the network in clear. ` +
        'Use https://, or --allow-insecure-ws (OZ_ALLOW_INSECURE_WS=true) on a network you trust',
    );
  }
  const mounts = [...commandLine.mounts, ...splitList(parsed.OZ_TASK_MOUNTS)];
  for (const port of splitList(parsed.OZ_TASK_NETWORK_HOST_PORTS).map(Number)) {
    if (port < 1 || port > 65_535) problems.push(`OZ_TASK_NETWORK_HOST_PORTS: ${port} is not a port (1–65535)`);
  }
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
      allowedImages: splitList(parsed.OZ_WORKER_ALLOWED_IMAGES),
      reconnect: { maxAttempts: parsed.OZ_RECONNECT_MAX_ATTEMPTS, windowMs: parsed.OZ_RECONNECT_WINDOW_SECONDS * 1000 },
      task: {
        memoryBytes: parsed.OZ_TASK_MEMORY_MB * 1024 * 1024,
        nanoCpus: Math.round(parsed.OZ_TASK_CPUS * 1e9),
        pidsLimit: parsed.OZ_TASK_PIDS_LIMIT,
        network: parsed.OZ_TASK_NETWORK,
        hostPorts: splitList(parsed.OZ_TASK_NETWORK_HOST_PORTS).map(Number),
        mounts,
        logMaxSize: parsed.OZ_TASK_LOG_MAX_SIZE,
        logMaxFiles: parsed.OZ_TASK_LOG_MAX_FILES,
        logLinesPerSecond: parsed.OZ_TASK_LOG_LINES_PER_SECOND,
      },
      metrics: {
        port: parsed.OZ_METRICS_PORT,
        host: parsed.OZ_METRICS_HOST,
        token: parsed.OZ_METRICS_TOKEN || null,
        portChosen: (env['OZ_METRICS_PORT'] ?? '').trim() !== '',
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

/** wss://, or ws:// to this machine (a loopback name or address): nothing readable crosses a network. */
export function isSafeSocketUrl(socketUrl: string): boolean {
  const url = new URL(socketUrl);
  if (url.protocol === 'wss:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
