import { isWorkerMessageType, type WorkerToServerMessage } from '@oz/contract';

/** More tasks than any worker runs at once: a report listing more is not a worker's. */
export const MAX_REPORTED_TASKS = 1_000;

/**
 * One text frame as a worker message: an envelope of a known type whose data names a task (or, for
 * `running_tasks`, lists tasks), else null (the caller logs and drops it, as the official worker does
 * with what it does not understand). An `execution_id`, where given, must be a string.
 */
export function parseWorkerMessage(text: string, isBinary: boolean): WorkerToServerMessage | null {
  if (isBinary) return null;
  let parsed: { type?: unknown; data?: Record<string, unknown> } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return null;
  }
  if (!isWorkerMessageType(parsed?.type)) return null;
  const data = parsed?.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  if (parsed?.type === 'running_tasks') return isRunningTasks(data) ? (parsed as unknown as WorkerToServerMessage) : null;
  if (typeof data['task_id'] !== 'string' || !optionalString(data['execution_id'])) return null;
  return parsed as unknown as WorkerToServerMessage;
}

function isRunningTasks(data: Record<string, unknown>): boolean {
  const { tasks, report_id: reportId } = data;
  if (reportId !== undefined && !Number.isSafeInteger(reportId)) return false;
  if (!Array.isArray(tasks) || tasks.length > MAX_REPORTED_TASKS) return false;
  return tasks.every((task: unknown) => {
    if (!task || typeof task !== 'object') return false;
    const { task_id: taskId, execution_id: executionId, adopted } = task as Record<string, unknown>;
    return typeof taskId === 'string' && (executionId === null || optionalString(executionId)) && (adopted === undefined || typeof adopted === 'boolean');
  });
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}
