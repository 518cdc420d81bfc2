import { isTerminalRunState, type RunItem, type RunListParams, type RunState } from '@oz/contract';
import type { RunLogLine, UserEventData } from '@oz/workspace-contract';

/**
 * Polls ask for runs updated since the newest change seen, minus this much: a change written by a
 * transaction that started earlier but committed later still has an older `updated_at`, and must not
 * be skipped. Changes seen twice are recognised (by their `updated_at`) and sent once.
 */
export const FEED_OVERLAP_MS = 10_000;

/** Log pages read per run and round, and runs whose logs are read per round. */
export const LOG_PAGE = 500;
export const MAX_LOGGED_RUNS = 20;

/** States in which a worker run writes log lines. */
const LOGGING_STATES: readonly RunState[] = ['CLAIMED', 'INPROGRESS'];

interface KnownRun {
  updatedAt: string;
  state: RunState;
  /** The output last sent (kept while the run is unfinished, to send only what was added). */
  output: string;
  workerRun: boolean;
}

/** What one round of polling has to send on the user's channel, in order. */
export type FeedEvent = { type: 'run'; data: UserEventData['run'] } | { type: 'run_output'; data: UserEventData['run_output'] };

/**
 * The state of one user's live view of their control-plane runs: what was last seen of each recent
 * run, and the position to ask from next. Pure: the caller polls (`query`), hands the answer to
 * `absorb`, and sends what comes out. Knows nothing of HTTP or of the event bus.
 */
export class RunFeed {
  private readonly known = new Map<string, KnownRun>();
  private readonly logCursors = new Map<string, number>();
  /** Runs that just ended: their last log lines are read once more. */
  private readonly ending = new Set<string>();

  private seeded: boolean;

  /** `cursor`: the newest `updated_at` another replica's feed reached (a handover), if any. */
  constructor(private cursor: string | null = null) {
    this.seeded = cursor !== null;
  }

  /** Where the feed stands, to hand over to another replica. */
  get position(): string | null {
    return this.cursor;
  }

  /** Whether this feed has not polled yet: its first round sends only what is unfinished. */
  get fresh(): boolean {
    return !this.seeded;
  }

  /** The list query of the next round (newest first; page on with `cursor`). */
  query(): RunListParams {
    if (this.cursor === null) return { limit: 100 };
    return { limit: 100, updated_after: new Date(Date.parse(this.cursor) - FEED_OVERLAP_MS).toISOString() };
  }

  /**
   * Folds in a round's runs (all pages). Sends each run whose state, status, artifacts or anything
   * else changed (`updated_at` moved), with its output left out, and the output it gained as a
   * delta. A fresh feed sends only unfinished runs (the page that opened the channel has just read the
   * rest) and their whole output.
   */
  absorb(runs: readonly RunItem[]): FeedEvent[] {
    const fresh = this.fresh;
    const events: FeedEvent[] = [];
    // Oldest change first, so a run's states reach the page in the order they happened.
    for (const run of [...runs].sort((a, b) => a.updated_at.localeCompare(b.updated_at))) {
      const before = this.known.get(run.run_id);
      if (before && before.updatedAt >= run.updated_at) continue;
      const terminal = isTerminalRunState(run.state);
      const output = run.output ?? '';
      const workerRun = Boolean(run.agent_config?.environment_id);
      this.known.set(run.run_id, { updatedAt: run.updated_at, state: run.state, output: terminal ? '' : output, workerRun });
      if (this.cursor === null || run.updated_at > this.cursor) this.cursor = run.updated_at;
      if (fresh && terminal) continue;
      events.push({ type: 'run', data: { ...run, output: null } });
      const sent = fresh || !before ? '' : before.output;
      if (output !== sent) {
        const data = output.startsWith(sent) ? { run_id: run.run_id, offset: sent.length, delta: output.slice(sent.length) } : { run_id: run.run_id, offset: 0, delta: output };
        events.push({ type: 'run_output', data });
      }
      if (terminal && workerRun && before && LOGGING_STATES.includes(before.state)) this.ending.add(run.run_id);
    }
    this.seeded = true;
    this.forgetOld();
    return events;
  }

  /** Worker runs whose new log lines to read this round: those running, and those that just ended (once more). */
  logReads(): { runId: string; after: number }[] {
    const reads: { runId: string; after: number }[] = [];
    for (const [runId, run] of this.known) {
      if (!run.workerRun) continue;
      if (LOGGING_STATES.includes(run.state) || this.ending.has(runId)) reads.push({ runId, after: this.logCursors.get(runId) ?? 0 });
    }
    return reads.slice(0, MAX_LOGGED_RUNS);
  }

  /** New lines of a run's log; returns those not sent before. */
  absorbLogs(runId: string, lines: readonly RunLogLine[]): RunLogLine[] {
    this.ending.delete(runId);
    const after = this.logCursors.get(runId) ?? 0;
    const fresh = lines.filter((line) => line.id > after);
    if (fresh.length) this.logCursors.set(runId, fresh[fresh.length - 1].id);
    return fresh;
  }

  /** Finished runs older than the overlap cannot come back: forget them, so the feed stays small. */
  private forgetOld(): void {
    if (this.cursor === null) return;
    const horizon = new Date(Date.parse(this.cursor) - 2 * FEED_OVERLAP_MS).toISOString();
    for (const [runId, run] of this.known) {
      if (isTerminalRunState(run.state) && run.updatedAt < horizon && !this.ending.has(runId)) {
        this.known.delete(runId);
        this.logCursors.delete(runId);
      }
    }
  }
}
