import { leaseTimings, reportedTaskStanding } from './lease-policy';
import type { RunWhereabouts } from './worker-runs.repository';

describe('lease timings', () => {
  it('gives a lost worker one more lease to come back, and makes our worker stop its task before the run can be given away', () => {
    expect(leaseTimings(120_000)).toEqual({ graceMs: 120_000, fenceAfterMs: 216_000, reportEveryMs: 30_000 });
    expect(leaseTimings(5_000)).toEqual({ graceMs: 5_000, fenceAfterMs: 8_000, reportEveryMs: 1_666 });
  });

  it('always fences at least two seconds before the lease and its grace are over, and reports well within a lease', () => {
    for (const leaseMs of [5_000, 7_000, 30_000, 120_000, 3_600_000]) {
      const { graceMs, fenceAfterMs, reportEveryMs } = leaseTimings(leaseMs);
      expect(leaseMs + graceMs - fenceAfterMs).toBeGreaterThanOrEqual(2_000);
      expect(fenceAfterMs).toBeGreaterThan(leaseMs);
      expect(reportEveryMs * 3).toBeLessThanOrEqual(Math.max(leaseMs, 3_000));
    }
  });
});

describe('a reported task that was not renewed', () => {
  const task = { id: 'run-1', executionId: 'e-1', adopted: false };
  const where = (overrides: Partial<RunWhereabouts>): RunWhereabouts => ({
    id: 'run-1',
    state: 'INPROGRESS',
    workerId: 'w1',
    executionId: 'e-1',
    assigned: true,
    ...overrides,
  });

  it.each([
    ['no longer exists', undefined, 'unknown'],
    ['ended', where({ state: 'CANCELLED' }), 'finished'],
    ['went to another worker', where({ workerId: 'w2' }), 'reassigned'],
    ['was assigned again to the same worker (another execution)', where({ executionId: 'e-2' }), 'reassigned'],
    ['went back to the queue', where({ state: 'PENDING', workerId: null, assigned: false }), 'reassigned'],
    ['is assigned to it and its claim was lost', where({ state: 'PENDING' }), 'claimable'],
    ['is still its own', where({}), 'held'],
  ])('when the run %s: %s', (_, whereabouts, standing) => {
    expect(reportedTaskStanding(task, whereabouts, 'w1')).toBe(standing);
  });
});
