import { MAX_WORKER_MESSAGE_BYTES, type WorkerToServerMessage } from '@oz/contract';
import type { TaskResult } from './docker-tasks';
import { TaskSetupError, TaskStoppedError } from './task-errors';

/**
 * Why the worker stopped a task itself: the control plane cancelled it, the worker is stopping, the
 * task ran out of time, or the worker could not renew its lease in time (self-fencing: the run may
 * already be someone else's).
 */
export type StopReason = 'cancel' | 'shutdown' | 'timeout' | 'lease';

export type Report = Extract<WorkerToServerMessage, { type: 'task_completed' | 'task_failed' }>;

const CANCELLED = 'Task cancelled by user request.';
const SHUT_DOWN = 'The worker stopped while the task ran';
const TIMED_OUT = 'The task exceeded its maximum allowed execution time and was terminated.';
const LEASE_LOST = 'The worker could not reach the control plane within the run’s lease and stopped the task, which may now run elsewhere';

/** The failure a stop by the worker itself means (not a cancellation, which completes the task CANCELLED). */
const STOPPED: Record<Exclude<StopReason, 'cancel'>, { message: string; failure_reason: string }> = {
  shutdown: { message: SHUT_DOWN, failure_reason: 'graceful_shutdown' },
  timeout: { message: TIMED_OUT, failure_reason: 'task_timeout' },
  lease: { message: LEASE_LOST, failure_reason: 'lease_lost' },
};

/**
 * The message that ends a task whose container ran and exited: as the official worker words it
 * (`task_completed`, or `task_failed` with a failure_reason and the exit code), plus our `output`.
 */
export function finishedTaskReport(taskId: string, result: TaskResult, stoppedFor: StopReason | undefined): Report {
  const { exitCode, output } = result;
  if (stoppedFor === 'cancel') return { type: 'task_completed', data: { task_id: taskId, message: CANCELLED, task_state: 'CANCELLED', output } };
  if (stoppedFor) return { type: 'task_failed', data: { task_id: taskId, ...STOPPED[stoppedFor], exit_code: exitCode, output } };
  if (exitCode === 0) return { type: 'task_completed', data: { task_id: taskId, message: 'Task completed successfully', output } };
  return {
    type: 'task_failed',
    data: {
      task_id: taskId,
      message: result.message ?? `The agent exited with code ${exitCode}`,
      failure_reason: result.failureReason ?? 'container_exit',
      exit_code: exitCode,
      output,
    },
  };
}

/** The message that ends a task that never got to exit: stopped before its container started, or broken. */
export function unfinishedTaskReport(taskId: string, error: unknown, stoppedFor: StopReason | undefined): Report {
  if (error instanceof TaskStoppedError && stoppedFor === 'cancel') {
    return { type: 'task_completed', data: { task_id: taskId, message: CANCELLED, task_state: 'CANCELLED' } };
  }
  if (error instanceof TaskStoppedError && stoppedFor) return { type: 'task_failed', data: { task_id: taskId, ...STOPPED[stoppedFor as Exclude<StopReason, 'cancel'>] } };
  return {
    type: 'task_failed',
    data: {
      task_id: taskId,
      message: `Failed to execute task: ${error instanceof Error ? error.message : String(error)}`,
      failure_reason: error instanceof TaskSetupError ? error.failureReason : 'unknown',
    },
  };
}

/** A task whose image the operator did not allow (OZ_WORKER_ALLOWED_IMAGES): it fails without running. */
export function refusedImageReport(taskId: string, image: string, allowed: string[]): Report {
  return {
    type: 'task_failed',
    data: {
      task_id: taskId,
      message: `Image ${image} is not allowed on this worker (OZ_WORKER_ALLOWED_IMAGES: ${allowed.join(', ')})`,
      failure_reason: 'invalid_image',
    },
  };
}

/**
 * The report, with its output cut (ending in `…`) so the whole message stays well inside the
 * gateway's frame limit (MAX_WORKER_MESSAGE_BYTES): an output file of several MiB would otherwise get
 * the connection closed and the report lost.
 */
export function fitToMessage(report: Report, limit = MAX_WORKER_MESSAGE_BYTES - 16 * 1024): Report {
  let output = report.data.output;
  let size = Buffer.byteLength(JSON.stringify(report));
  while (output && size > limit) {
    output = `${output.slice(0, Math.floor((output.length * limit) / size * 0.95))}…`;
    size = Buffer.byteLength(JSON.stringify({ ...report, data: { ...report.data, output } }));
  }
  return output === report.data.output ? report : ({ ...report, data: { ...report.data, output } } as Report);
}
