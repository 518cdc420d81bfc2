import { isWorkerMessageType, type WorkerToServerMessage } from '@oz/contract';

/**
 * One text frame as a worker message: an envelope of a known type whose data names a task, else null
 * (the caller logs and drops it, as the official worker does with what it does not understand).
 */
export function parseWorkerMessage(text: string, isBinary: boolean): WorkerToServerMessage | null {
  if (isBinary) return null;
  try {
    const parsed = JSON.parse(text) as { type?: unknown; data?: { task_id?: unknown } } | null;
    if (!isWorkerMessageType(parsed?.type)) return null;
    if (!parsed?.data || typeof parsed.data !== 'object' || typeof parsed.data.task_id !== 'string') return null;
    return parsed as WorkerToServerMessage;
  } catch {
    return null;
  }
}
