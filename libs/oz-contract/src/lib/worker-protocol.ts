/**
 * The self-hosted worker protocol (`/api/v1/selfhosted/worker/ws`), as the official `oz-agent-worker`
 * speaks it: text frames holding `{type, data}` envelopes. Our worker sends the same messages plus the
 * optional extension fields marked below, which the official worker never sends.
 */
import type { AmbientAgentConfig, ArtifactItem } from './runs';

export const WORKER_WS_PATH = '/api/v1/selfhosted/worker/ws';

/** Query parameters of the upgrade request: the worker's id, and (our worker's extension) how many tasks it runs at once. */
export const WORKER_ID_PARAM = 'worker_id';
export const MAX_CONCURRENT_TASKS_PARAM = 'max_concurrent_tasks';

/**
 * Keepalive: the official worker pings every 30 s and drops a connection silent for twice that. The
 * server pings at least as often.
 */
export const WORKER_PING_INTERVAL_MS = 30_000;

/**
 * A worker's name: what `--worker-id` and the gateway's `worker_id` accept. The `warp` prefix is
 * reserved, as in the official service.
 */
export const WORKER_ID_PATTERN = /^(?!warp)[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const WORKER_ID_RULE = 'worker_id must be 1–128 letters, digits, dots, dashes or underscores, not starting with "warp"';

export function isValidWorkerId(value: string): boolean {
  return WORKER_ID_PATTERN.test(value);
}

/**
 * The largest frame the gateway accepts (it closes the connection with 1009 beyond it). Our worker keeps
 * every message well below it: log batches are cut at MAX_LOG_BATCH_BYTES and the output it sends is
 * trimmed to fit.
 */
export const MAX_WORKER_MESSAGE_BYTES = 1024 * 1024;
/** Our worker sends a task's log lines in batches of at most this many bytes (as JSON). */
export const MAX_LOG_BATCH_BYTES = 256 * 1024;

/** Where the task's agent writes its answer inside the task container; the worker reads it from there. */
export const TASK_OUTPUT_PATH = '/workspace/.oz/agent_output.txt';
/** The most of a task's output a run keeps. Our worker sends less: its final message must fit in MAX_WORKER_MESSAGE_BYTES. */
export const MAX_TASK_OUTPUT_CHARS = 10 * 1024 * 1024;
/** A log line longer than this is cut; log lines are for reading, not for shipping data. */
export const MAX_LOG_LINE_CHARS = 8_192;
/** How much of the log stands in for the output when a task wrote no output file. */
export const OUTPUT_LOG_TAIL_LINES = 200;

export interface WorkerEnvelope<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

export interface TaskAssignment {
  task_id: string;
  execution_id?: string;
  task: {
    id: string;
    title: string;
    task_definition: { prompt: string };
    created_at: string;
    updated_at: string;
    owner?: { Type: 'USER' | 'TEAM'; Id: number };
    agent_config_snapshot: AmbientAgentConfig;
  };
  docker_image?: string;
  sidecar_image?: string;
  env_vars?: Record<string, string>;
  additional_oz_args?: string[];
  /**
   * Extension: seconds the task may run, counted from the assignment; our worker stops it after that
   * and reports `task_failed` with `failure_reason: "task_timeout"` (the official worker ignores it;
   * the control plane's own deadline backs it up).
   */
  task_timeout_seconds?: number;
}

export interface TaskCancellation {
  task_id: string;
}

/**
 * Extension, on every message our worker sends about a task: the assignment's `execution_id`, echoed.
 * A message naming an execution other than the run's current one is stale (from a container of an
 * earlier attempt) and changes nothing. Messages without it (the official worker's) apply to whatever
 * execution the worker holds.
 */
interface ExecutionRef {
  execution_id?: string;
}

export interface TaskClaimed extends ExecutionRef {
  task_id: string;
  worker_id?: string;
}

export interface TaskRejected extends ExecutionRef {
  task_id: string;
  reason?: string;
}

export interface TaskCompleted extends ExecutionRef {
  task_id: string;
  message?: string;
  /** "CANCELLED" when a server cancellation stopped the task. */
  task_state?: string;
  /** Extension: the task's output file (or the tail of its log). */
  output?: string;
  /** Extension: artifacts found in the output (pull requests). */
  artifacts?: ArtifactItem[];
}

export interface TaskFailed extends ExecutionRef {
  task_id: string;
  message?: string;
  failure_reason?: string;
  exit_code?: number;
  task_state?: string;
  /** Extensions, as for task_completed. */
  output?: string;
  artifacts?: ArtifactItem[];
}

/** Extension: the task's container started; the run is INPROGRESS. */
export interface TaskStarted extends ExecutionRef {
  task_id: string;
}

/** Extension: lines the task printed, in order. */
export interface TaskLog extends ExecutionRef {
  task_id: string;
  lines: string[];
  /**
   * Where these lines end in the container's log (Docker's timestamp of the last one). The control
   * plane keeps the latest and hands it back when a restarted worker adopts the task, which then reads
   * the log on from there: no line is lost or sent twice across a worker restart.
   */
  cursor?: string;
}

/** One task a worker process is executing (or has finished and not yet seen acknowledged). */
export interface RunningTask {
  task_id: string;
  execution_id?: string;
  /** True when this process found the task's container at start-up (the worker restarted) rather than started it. */
  adopted?: boolean;
}

/**
 * Extension (never sent by the official worker): the tasks this worker process executes, sent first on
 * every connection and then every `report_every_ms`. Only the runs a connection reports have their
 * leases renewed; the control plane answers with `task_leases`.
 */
export interface RunningTasks {
  /** Echoed in the answer, so the worker knows which report (and so which moment) a renewal counts from. */
  report_id: number;
  tasks: RunningTask[];
}

/** A reported task whose lease was renewed. */
export interface RenewedTask {
  task_id: string;
  execution_id?: string;
  /** For an adopted task: where the control plane's copy of its log ends (see TaskLog.cursor). */
  log_cursor?: string | null;
}

/** A reported task that is no longer this worker's to run: stop its container and forget it. */
export interface TaskToStop {
  task_id: string;
  execution_id?: string;
  /** `finished` (the run ended), `reassigned` (another execution holds it) or `unknown` (no such run). */
  reason: 'finished' | 'reassigned' | 'unknown';
}

/**
 * Extension, server → worker, only ever in answer to `running_tasks` or a claim that came too late
 * (so the official worker never receives it).
 */
export interface TaskLeases {
  /** The `running_tasks` report this answers; absent for an answer to a late claim. */
  report_id?: number;
  renewed: RenewedTask[];
  stop: TaskToStop[];
  /** The lease: how long a run stays the worker's without a report renewing it. */
  lease_ms: number;
  /**
   * How long after sending the answered report the worker may keep running the renewed tasks without
   * another renewal. Past it the control plane may already have given the run to another worker, so
   * the worker stops such a task itself (self-fencing).
   */
  fence_after_ms: number;
  /** How often the worker should report. */
  report_every_ms: number;
}

export type ServerToWorkerMessage =
  | WorkerEnvelope<'task_assignment', TaskAssignment>
  | WorkerEnvelope<'task_cancellation', TaskCancellation>
  | WorkerEnvelope<'task_leases', TaskLeases>;

export type WorkerToServerMessage =
  | WorkerEnvelope<'task_claimed', TaskClaimed>
  | WorkerEnvelope<'task_rejected', TaskRejected>
  | WorkerEnvelope<'task_completed', TaskCompleted>
  | WorkerEnvelope<'task_failed', TaskFailed>
  | WorkerEnvelope<'task_started', TaskStarted>
  | WorkerEnvelope<'task_log', TaskLog>
  | WorkerEnvelope<'running_tasks', RunningTasks>;

/** Every type a worker may send; a Record so that adding a message to the union without listing it here fails to compile. */
const WORKER_MESSAGE_TYPE_SET: Readonly<Record<WorkerToServerMessage['type'], true>> = {
  task_claimed: true,
  task_rejected: true,
  task_completed: true,
  task_failed: true,
  task_started: true,
  task_log: true,
  running_tasks: true,
};
export const WORKER_MESSAGE_TYPES = Object.keys(WORKER_MESSAGE_TYPE_SET) as ReadonlyArray<WorkerToServerMessage['type']>;

export function isWorkerMessageType(type: unknown): type is WorkerToServerMessage['type'] {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(WORKER_MESSAGE_TYPE_SET, type);
}

export interface ConnectedWorker {
  worker_id: string;
  connections: number;
  connected_at: string;
  last_seen_at: string;
}

export interface ConnectedWorkersResponse {
  workers: ConnectedWorker[];
}

/**
 * Artifacts as runs expose them. Workers may send anything: only well-formed PULL_REQUEST and PLAN
 * artifacts are kept.
 */
export function isArtifactItem(value: unknown): value is ArtifactItem {
  if (typeof value !== 'object' || value === null) return false;
  const artifact = value as { artifact_type?: unknown; created_at?: unknown; data?: unknown };
  if (typeof artifact.created_at !== 'string' || typeof artifact.data !== 'object' || artifact.data === null) return false;
  const data = artifact.data as Record<string, unknown>;
  if (artifact.artifact_type === 'PULL_REQUEST') return typeof data['url'] === 'string' && typeof data['branch'] === 'string';
  return artifact.artifact_type === 'PLAN' && typeof data['document_uid'] === 'string';
}
