/** Why an execution was told to stop: a user cancelled the run, another replica holds it now, or this replica is stopping. */
export type StopReason = 'cancelled' | 'lost' | 'shutdown';

/** One provider run this replica is executing. */
export interface Execution {
  /** Aborts the provider call wherever it is. */
  controller: AbortController;
  /** The answer of the current attempt so far, and how much of it the run row already has. */
  output: string;
  savedOutput: string;
  /** A provider call of this replica is under way (so its output may be written). */
  attempting: boolean;
  done: Promise<void>;
}

export function newExecution(): Execution {
  return { controller: new AbortController(), output: '', savedOutput: '', attempting: false, done: Promise.resolve() };
}
