import type { TaskLeases } from '@oz/contract';

/** How many recent reports are remembered, for answers that arrive late. */
const REMEMBERED_REPORTS = 64;
/** How often the worker reports until the control plane says how often it wants it. */
const FIRST_REPORT_EVERY_MS = 10_000;

/**
 * Our worker's side of per-run leases: numbers its reports (`running_tasks`), and from the answers
 * (`task_leases`) knows until when each task it runs is covered. A task's cover ends `fence_after_ms`
 * after the moment the worker *sent* the last report that renewed it (earlier than the control plane
 * renewed it, so the worker's deadline always comes first); a task past it may already be running
 * elsewhere, and the worker stops it (`overdue`). Times are monotonic milliseconds.
 */
export class LeaseKeeper {
  private nextReportId = 1;
  private readonly sentAt = new Map<number, number>();
  /** Tasks whose cover is kept, and until when (null: not known yet). */
  private readonly covers = new Map<string, number | null>();
  private fenceAfter: number | null = null;
  reportEveryMs = FIRST_REPORT_EVERY_MS;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A report is sent now: its id. */
  reportSent(): number {
    const id = this.nextReportId++;
    this.sentAt.set(id, this.now());
    this.sentAt.delete(id - REMEMBERED_REPORTS);
    return id;
  }

  /** The id of the last report sent (0 before the first). */
  get lastReportId(): number {
    return this.nextReportId - 1;
  }

  /** How long a renewal covers a task, once the control plane has said. */
  get fenceAfterMs(): number | null {
    return this.fenceAfter;
  }

  /** Keeps `taskId` covered from now: until `coverMs` from now when given, else as long as one renewal covers (once known). */
  track(taskId: string, coverMs: number | null = this.fenceAfter): void {
    this.covers.set(taskId, coverMs === null ? null : this.now() + coverMs);
  }

  forget(taskId: string): void {
    this.covers.delete(taskId);
  }

  /** The answer to a report: the tasks it renewed are covered until `fence_after_ms` past the moment that report was sent. */
  answered(leases: TaskLeases): void {
    this.fenceAfter = leases.fence_after_ms;
    this.reportEveryMs = leases.report_every_ms;
    const sent = leases.report_id === undefined ? undefined : this.sentAt.get(leases.report_id);
    if (sent === undefined) return;
    for (const { task_id: taskId } of leases.renewed) {
      if (!this.covers.has(taskId)) continue;
      const until = sent + leases.fence_after_ms;
      this.covers.set(taskId, Math.max(until, this.covers.get(taskId) ?? until));
    }
  }

  /** Tasks whose cover ran out. */
  overdue(): string[] {
    const now = this.now();
    return [...this.covers].filter(([, until]) => until !== null && now > until).map(([taskId]) => taskId);
  }
}
