import { Injectable } from '@nestjs/common';

/**
 * The runs this replica is executing, each with the controller that stops it. Cancelling through here
 * is immediate; a run executing on another replica sees its cancelled row at its next write instead.
 */
@Injectable()
export class ActiveRuns {
  private readonly runs = new Map<string, AbortController>();

  start(runId: string): AbortSignal {
    const controller = new AbortController();
    this.runs.set(runId, controller);
    return controller.signal;
  }

  finish(runId: string): void {
    this.runs.delete(runId);
  }

  abort(runId: string, reason: string): void {
    this.runs.get(runId)?.abort(new Error(reason));
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }
}
