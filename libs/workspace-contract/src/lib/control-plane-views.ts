import type { RunItem, RunState } from '@oz/contract';
import type { NotificationView, RoomView } from './events';

/**
 * The dashboard's control-plane views go through the workspace API (a backend-for-frontend under
 * `/api/cp`, answering for the signed-in user's own control-plane tenant). Runs, environments and
 * schedules keep the Oz `/api/v1` shapes of `@oz/contract`; what the control plane has no shared type
 * for (log pages, provider status, workers with their runs) and the user's live channel are here.
 * apps/workspace-web/BFF.md lists every route.
 */

/** `GET /api/cp/status`: whether the views can work, and what this user may see. */
export interface ControlPlaneStatus {
  /** False when the workspace runs agents itself (`OZ_RUNNER_MODE=local`) and reaches no control plane. */
  connected: boolean;
  runner_mode: 'local' | 'remote';
  /** The instance admin (the first account): sees workers, providers and every tenant's runs. */
  admin: boolean;
  /** Why the views are unavailable, in words, when `connected` is false. */
  reason: string | null;
}

/** `GET /api/cp/runs/:runId/logs?after=&limit=`, oldest first. */
export interface RunLogLine {
  id: number;
  line: string;
  logged_at: string;
}

export interface RunLogPage {
  lines: RunLogLine[];
  /** Pass as `after` to read on. */
  next_after: number;
}

/** `GET /api/cp/providers` (admin): every configured provider with its quota use. */
export interface ProviderQuota {
  limit: number;
  window_seconds: number;
  used: number;
  remaining: number;
  /** When the next slot frees while the window is full; null while slots remain. */
  next_free_at: string | null;
}

export interface ProviderStatus {
  key: string;
  /** `openai_compatible`, `anthropic` or `cli`. */
  type: string;
  model: string;
  usable: boolean;
  problems: string[];
  quota: ProviderQuota | null;
  blocked_until: string | null;
  blocked_reason: string | null;
  /**
   * Calls per time bucket over the quota window, oldest first, for the usage chart: `bucket_seconds`
   * wide, the last bucket ending now. Empty for a provider without a quota.
   */
  usage: { bucket_seconds: number; calls: number[] };
}

export interface ProviderStatusList {
  providers: ProviderStatus[];
  fallback_order: string[];
  queue_on_saturation: boolean;
  queue_max_wait_seconds: number;
}

/** `GET /api/cp/workers` (admin): connected workers and the runs each is executing. */
export interface WorkerRunRef {
  run_id: string;
  title: string;
  state: RunState;
  started_at: string | null;
}

export interface WorkerView {
  worker_id: string;
  connections: number;
  connected_at: string;
  last_seen_at: string;
  running: WorkerRunRef[];
}

export interface WorkerList {
  workers: WorkerView[];
}

/**
 * The user's own live channel, `GET /api/events/me` (SSE, same framing, ids, `Last-Event-ID` replay and
 * `resync` as the room streams): what is not tied to one room.
 */
export const USER_EVENT_TYPES = ['run', 'run_output', 'run_log', 'workers', 'notification', 'rooms'] as const;
export type UserEventType = (typeof USER_EVENT_TYPES)[number];

export interface UserEventData {
  /** A run changed (state, status message, artifacts…); `output` is left out (null): it comes as `run_output`. */
  run: RunItem;
  /** Streaming output of a run: its text from `offset` on is now `delta` (like `message_delta`). */
  run_output: { run_id: string; offset: number; delta: string };
  /** New log lines of a run, oldest first. */
  run_log: { run_id: string; lines: RunLogLine[] };
  /** Admin only: the workers' presence changed. */
  workers: WorkerList;
  /** A notification for this user, from any of their rooms (the inbox badge). */
  notification: NotificationView;
  /**
   * One of the user's rooms was created, changed or deleted, from any tab or device. Its agents'
   * statuses are in it: an agent replying in a room is `running` there, which is how every page
   * learns where the user's agents are replying.
   */
  rooms: RoomView | { id: string; deleted: true };
}
