import { Injectable } from '@nestjs/common';

interface ActiveRun {
  controller: AbortController;
  /** The reply's text streamed so far, saved or not. */
  streamedText: () => string;
}

/**
 * The runs this replica is executing, each with the controller that stops it and the text it has
 * streamed. Cancelling through here is immediate; a run executing on another replica sees its
 * cancelled row at its next write instead.
 */
@Injectable()
export class ActiveRuns {
  private readonly runs = new Map<string, ActiveRun>();

  start(runId: string, streamedText: () => string = () => ''): AbortSignal {
    const controller = new AbortController();
    this.runs.set(runId, { controller, streamedText });
    return controller.signal;
  }

  finish(runId: string): void {
    this.runs.delete(runId);
  }

  abort(runId: string, reason: string): void {
    this.runs.get(runId)?.controller.abort(new Error(reason));
  }

  /** What a run executing here has streamed (more than its last save); empty when it runs elsewhere. */
  streamedText(runId: string): string {
    return this.runs.get(runId)?.streamedText() ?? '';
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }
}
