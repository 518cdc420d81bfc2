/**
 * The self-hosted worker protocol (`/api/v1/selfhosted/worker/ws`), as the official `oz-agent-worker`
 * speaks it: text frames holding `{type, data}` envelopes. Our worker sends the same messages plus the
 * optional extension fields marked below, which the official worker never sends.
 */
import type { AmbientAgentConfig, ArtifactItem } from './runs';

export const WORKER_WS_PATH = '/api/v1/selfhosted/worker/ws';

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
}

export interface TaskCancellation {
  task_id: string;
}

export interface TaskClaimed {
  task_id: string;
  worker_id?: string;
}

export interface TaskRejected {
  task_id: string;
  reason?: string;
}

export interface TaskCompleted {
  task_id: string;
  message?: string;
  /** "CANCELLED" when a server cancellation stopped the task. */
  task_state?: string;
  /** Extension: the task's output file (or the tail of its log). */
  output?: string;
  /** Extension: artifacts found in the output (pull requests). */
  artifacts?: ArtifactItem[];
}

export interface TaskFailed {
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
export interface TaskStarted {
  task_id: string;
}

/** Extension: lines the task printed, in order. */
export interface TaskLog {
  task_id: string;
  lines: string[];
}

export type ServerToWorkerMessage =
  | WorkerEnvelope<'task_assignment', TaskAssignment>
  | WorkerEnvelope<'task_cancellation', TaskCancellation>;

export type WorkerToServerMessage =
  | WorkerEnvelope<'task_claimed', TaskClaimed>
  | WorkerEnvelope<'task_rejected', TaskRejected>
  | WorkerEnvelope<'task_completed', TaskCompleted>
  | WorkerEnvelope<'task_failed', TaskFailed>
  | WorkerEnvelope<'task_started', TaskStarted>
  | WorkerEnvelope<'task_log', TaskLog>;

export interface ConnectedWorker {
  worker_id: string;
  connections: number;
  connected_at: string;
  last_seen_at: string;
}

export interface ConnectedWorkersResponse {
  workers: ConnectedWorker[];
}
