import type { WorkerToServerMessage } from '@oz/contract';
import type { TaskResult } from './docker-tasks';
import { TaskSetupError, TaskStoppedError } from './task-errors';

/** Why the worker stopped a task itself: the control plane cancelled it, or the worker is stopping. */
export type StopReason = 'cancel' | 'shutdown';

type Report = Extract<WorkerToServerMessage, { type: 'task_completed' | 'task_failed' }>;

const CANCELLED = 'Task cancelled by user request.';
const SHUT_DOWN = 'The worker stopped while the task ran';

/**
 * The message that ends a task whose container ran and exited: as the official worker words it
 * (`task_completed`, or `task_failed` with a failure_reason and the exit code), plus our `output`.
 */
export function finishedTaskReport(taskId: string, result: TaskResult, stoppedFor: StopReason | undefined): Report {
  const { exitCode, output } = result;
  if (stoppedFor === 'cancel') return { type: 'task_completed', data: { task_id: taskId, message: CANCELLED, task_state: 'CANCELLED', output } };
  if (stoppedFor === 'shutdown') {
    return { type: 'task_failed', data: { task_id: taskId, message: SHUT_DOWN, failure_reason: 'graceful_shutdown', exit_code: exitCode, output } };
  }
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
  if (error instanceof TaskStoppedError && stoppedFor === 'shutdown') {
    return { type: 'task_failed', data: { task_id: taskId, message: SHUT_DOWN, failure_reason: 'graceful_shutdown' } };
  }
  return {
    type: 'task_failed',
    data: {
      task_id: taskId,
      message: `Failed to execute task: ${error instanceof Error ? error.message : String(error)}`,
      failure_reason: error instanceof TaskSetupError ? error.failureReason : 'unknown',
    },
  };
}
