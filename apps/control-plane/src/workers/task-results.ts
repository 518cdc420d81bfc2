import { isArtifactItem, MAX_LOG_LINE_CHARS, MAX_TASK_OUTPUT_CHARS, type ArtifactItem, type WorkerToServerMessage } from '@oz/contract';
import { pullRequestArtifacts } from './pull-requests';
import type { WorkerRunEnd } from './worker-runs.repository';

/** How a task_completed or task_failed ends its run. */
export interface TaskEnding {
  to: WorkerRunEnd;
  statusMessage: string | null;
}

/** A worker's last word on a task. */
export type TaskEndMessage = Extract<WorkerToServerMessage, { type: 'task_completed' | 'task_failed' }>;

/** The run state and status message a worker's final message means. */
export function taskEnding(message: TaskEndMessage): TaskEnding {
  if (message.data.task_state === 'CANCELLED') return { to: 'CANCELLED', statusMessage: message.data.message ?? 'Cancelled' };
  if (message.type === 'task_completed') return { to: 'SUCCEEDED', statusMessage: null };
  const failed = message.data;
  const details = [failed.failure_reason, failed.exit_code !== undefined ? `exit code ${failed.exit_code}` : undefined].filter(Boolean);
  return { to: 'FAILED', statusMessage: `${failed.message ?? 'The task failed'}${details.length ? ` (${details.join(', ')})` : ''}` };
}

/** The artifacts to keep: the well-formed ones a worker sent, else the pull requests its output names. */
export function taskArtifacts(reported: unknown, output: string | null): ArtifactItem[] {
  return Array.isArray(reported) ? reported.filter(isArtifactItem) : pullRequestArtifacts(output ?? '');
}

/** PostgreSQL text cannot hold NUL, and one runaway line must not fill the log. */
export function storableLine(line: unknown): string {
  const text = String(line).split('\u0000').join('');
  return text.length > MAX_LOG_LINE_CHARS ? `${text.slice(0, MAX_LOG_LINE_CHARS)}…` : text;
}

/** As a provider's answer: no NUL (PostgreSQL text cannot hold it), at most MAX_TASK_OUTPUT_CHARS. */
export function storableOutput(text: string): string {
  const clean = text.split('\u0000').join('');
  return clean.length > MAX_TASK_OUTPUT_CHARS ? `${clean.slice(0, MAX_TASK_OUTPUT_CHARS)}…` : clean;
}
