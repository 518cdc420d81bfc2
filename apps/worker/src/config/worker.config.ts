import { parseArgs } from 'node:util';

export interface WorkerConfig {
  workerId: string;
  maxConcurrentTasks: number;
  /** ws(s)://host/api/v1/selfhosted/worker/ws */
  controlPlaneUrl: string;
  apiKey: string;
  /** Leave containers (and their logs) behind for debugging. */
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

export class WorkerConfigError extends Error {}

export const USAGE = `Usage: oz-worker --worker-id NAME [options]
  --worker-id NAME              this worker's id (env OZ_WORKER_ID)
  --max-concurrent-tasks N      tasks run at once (env OZ_MAX_CONCURRENT_TASKS, default 2)
  --control-plane-url URL       http(s) URL of the control plane (env OZ_CONTROL_PLANE_URL, default http://localhost:8080)
  --api-key KEY                 admin key or OZ_WORKER_TOKEN (env OZ_WORKER_API_KEY)
  --no-cleanup                  keep task containers after they exit
  --mount HOST:CONTAINER[:ro]   bind-mount into every task container (repeatable; env OZ_TASK_MOUNTS, comma-separated)
Environment: OZ_RECONNECT_MAX_ATTEMPTS (0 = unlimited), OZ_RECONNECT_WINDOW_SECONDS (0 = no window),
  OZ_TASK_MEMORY_MB (4096), OZ_TASK_CPUS (2), OZ_TASK_PIDS_LIMIT (1024), OZ_TASK_NETWORK (bridge), OZ_LOG_LEVEL (info)`;

/** Flags win over environment variables; every problem is reported at once. */
export function loadWorkerConfig(argv: string[], env: Record<string, string | undefined>): WorkerConfig {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'worker-id': { type: 'string' },
        'max-concurrent-tasks': { type: 'string' },
        'control-plane-url': { type: 'string' },
        'api-key': { type: 'string' },
        'no-cleanup': { type: 'boolean' },
        mount: { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new WorkerConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values['help']) throw new WorkerConfigError(USAGE);
  const problems: string[] = [];
  const text = (flag: string, variable: string) => (values[flag] as string | undefined) ?? env[variable]?.trim() ?? '';

  const workerId = text('worker-id', 'OZ_WORKER_ID');
  if (!/^(?!warp)[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(workerId)) {
    problems.push('--worker-id is required: 1–128 letters, digits, dots, dashes or underscores, not starting with "warp"');
  }
  const apiKey = text('api-key', 'OZ_WORKER_API_KEY');
  if (apiKey.length < 8) problems.push('--api-key (or OZ_WORKER_API_KEY) is required: the admin key or OZ_WORKER_TOKEN');
  const base = text('control-plane-url', 'OZ_CONTROL_PLANE_URL') || 'http://localhost:8080';
  let controlPlaneUrl = '';
  try {
    const url = new URL(base);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new Error('protocol');
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1/selfhosted/worker/ws`;
    controlPlaneUrl = url.toString();
  } catch {
    problems.push(`--control-plane-url must be an http(s) URL (got "${base}")`);
  }
  const int = (value: string | undefined, fallback: number, name: string, min: number) => {
    if (value === undefined || value.trim() === '') return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) {
      problems.push(`${name} must be a whole number ≥ ${min} (got "${value}")`);
      return fallback;
    }
    return number;
  };
  const maxConcurrentTasks = int(text('max-concurrent-tasks', 'OZ_MAX_CONCURRENT_TASKS') || undefined, 2, '--max-concurrent-tasks', 1);
  const mounts = [...((values['mount'] as string[] | undefined) ?? []), ...(env['OZ_TASK_MOUNTS'] ?? '').split(',').map((m) => m.trim()).filter(Boolean)];
  for (const mount of mounts) {
    if (!/^\/[^:]+:\/[^:]+(:ro|:rw)?$/.test(mount)) problems.push(`--mount must be /host/path:/container/path[:ro] (got "${mount}")`);
  }
  const config: WorkerConfig = {
    workerId,
    maxConcurrentTasks,
    controlPlaneUrl,
    apiKey,
    cleanup: !values['no-cleanup'],
    reconnect: {
      maxAttempts: int(env['OZ_RECONNECT_MAX_ATTEMPTS'], 0, 'OZ_RECONNECT_MAX_ATTEMPTS', 0),
      windowMs: int(env['OZ_RECONNECT_WINDOW_SECONDS'], 0, 'OZ_RECONNECT_WINDOW_SECONDS', 0) * 1000,
    },
    task: {
      memoryBytes: int(env['OZ_TASK_MEMORY_MB'], 4096, 'OZ_TASK_MEMORY_MB', 16) * 1024 * 1024,
      nanoCpus: Math.round(Number(env['OZ_TASK_CPUS'] || 2) * 1e9),
      pidsLimit: int(env['OZ_TASK_PIDS_LIMIT'], 1024, 'OZ_TASK_PIDS_LIMIT', 16),
      network: env['OZ_TASK_NETWORK']?.trim() || 'bridge',
      mounts,
    },
    logLevel: env['OZ_LOG_LEVEL']?.trim() || 'info',
  };
  if (!Number.isFinite(config.task.nanoCpus) || config.task.nanoCpus <= 0) problems.push('OZ_TASK_CPUS must be a positive number');
  if (problems.length) throw new WorkerConfigError(`Invalid worker configuration:\n  - ${problems.join('\n  - ')}\n${USAGE}`);
  return config;
}
