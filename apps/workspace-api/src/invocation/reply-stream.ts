import type { AgentRun } from '../agent-runs/agent-run';
import type { AgentRunsService } from '../agent-runs/agent-runs.service';
import type { RoomEvents } from '../events/room-events';

/** How often a streaming reply's text is saved (each save is the run's heartbeat too). */
const SAVE_EVERY_MS = 1000;

/**
 * A reply being streamed: text pieces go out as `message_delta` events at most every flush interval,
 * and are saved every second; a save that finds the run no longer in flight stops the runner.
 */
export class ReplyStream {
  private content = '';
  /** Where the unsent part starts. */
  private sentUpTo = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving = false;

  constructor(
    private readonly run: AgentRun,
    private readonly events: RoomEvents,
    private readonly runs: AgentRunsService,
    private readonly flushMs: number,
    private readonly stopRunner: () => void,
  ) {}

  /** Everything streamed so far. */
  get text(): string {
    return this.content;
  }

  append(offset: number, text: string): void {
    this.content = this.content.slice(0, offset) + text;
    this.sentUpTo = Math.min(this.sentUpTo, offset);
    this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
    this.saveTimer ??= setTimeout(() => void this.save(), SAVE_EVERY_MS);
  }

  stop(): void {
    if (this.flushTimer) this.flush();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.sentUpTo === this.content.length) return;
    this.events.stream(this.run.room_id, 'message_delta', {
      message_id: this.run.reply_message_id,
      run_id: this.run.id,
      offset: this.sentUpTo,
      delta: this.content.slice(this.sentUpTo),
    });
    this.sentUpTo = this.content.length;
  }

  private async save(): Promise<void> {
    this.saveTimer = null;
    if (this.saving) return;
    this.saving = true;
    try {
      if (!(await this.runs.saveProgress(this.run, this.content))) this.stopRunner();
    } catch {
      // A failed progress save is retried with the next piece of text; the final write is what counts.
    } finally {
      this.saving = false;
    }
  }
}
