/** A failure before the agent ran, with the official worker's failure_reason. */
export class TaskSetupError extends Error {
  constructor(
    readonly failureReason: 'image_pull' | 'sidecar_prep' | 'container_create' | 'container_start',
    message: string,
  ) {
    super(message);
  }
}

/** The task was cancelled, or the worker is stopping, before its container started: nothing ran. */
export class TaskStoppedError extends Error {
  constructor() {
    super('The task was stopped before its container started');
  }
}

/** Throws TaskStoppedError once `signal` aborted: a stopped task must not go on to start a container. */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new TaskStoppedError();
}
