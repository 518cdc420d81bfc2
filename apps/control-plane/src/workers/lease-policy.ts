import { isTerminalRunState, type TaskToStop } from '@oz/contract';
import type { ReportedTask, RunWhereabouts } from './worker-runs.repository';

/**
 * The timing of worker leases, from OZ_WORKER_LEASE_SECONDS:
 * - a run nothing renewed for `leaseMs` has lapsed; its worker then has `graceMs` more to come back
 *   (a restarted worker adopting its container) before the run is failed or retried;
 * - our worker may keep running a task `fenceAfterMs` after sending a report that renewed it, and
 *   stops it past that (self-fencing): by then the run may be someone else's. It counts from the
 *   moment it sent the report, which is before the control plane renewed the lease, and stops at
 *   least `margin` before the run can be given away, so the two never overlap;
 * - it reports every `reportEveryMs` (three times a lease, at most every 30 s).
 */
export function leaseTimings(leaseMs: number): { graceMs: number; fenceAfterMs: number; reportEveryMs: number } {
  const graceMs = leaseMs;
  const margin = Math.max(2_000, Math.floor((leaseMs + graceMs) / 10));
  return {
    graceMs,
    fenceAfterMs: leaseMs + graceMs - margin,
    reportEveryMs: Math.min(30_000, Math.max(1_000, Math.floor(leaseMs / 3))),
  };
}

/** What to do about a reported task whose lease was not renewed. */
export type ReportedTaskStanding =
  /** Assigned to this worker in this execution and not claimed yet (the claim was lost): claim it now. */
  | 'claimable'
  /** Still this worker's (a renewal that raced with another change): say nothing, the next report decides. */
  | 'held'
  | TaskToStop['reason'];

/** Why a task a worker reports was not renewed, from where its run is now. */
export function reportedTaskStanding(task: ReportedTask, where: RunWhereabouts | undefined, workerId: string): ReportedTaskStanding {
  if (!where) return 'unknown';
  if (isTerminalRunState(where.state)) return 'finished';
  if (where.workerId !== workerId || where.executionId !== task.executionId) return 'reassigned';
  if (where.state === 'PENDING') return where.assigned ? 'claimable' : 'reassigned';
  return 'held';
}
