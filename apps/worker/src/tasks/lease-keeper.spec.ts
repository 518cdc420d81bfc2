import type { TaskLeases } from '@oz/contract';
import { LeaseKeeper } from './lease-keeper';

describe('the lease keeper', () => {
  let now = 0;
  const keeper = () => new LeaseKeeper(() => now);
  const answer = (reportId: number | undefined, renewed: string[]): TaskLeases => ({
    ...(reportId === undefined ? {} : { report_id: reportId }),
    renewed: renewed.map((task_id) => ({ task_id })),
    stop: [],
    lease_ms: 5_000,
    fence_after_ms: 8_000,
    report_every_ms: 1_666,
  });
  beforeEach(() => (now = 1_000));

  it('covers a renewed task from the moment its report was sent, not from when the answer came', () => {
    const leases = keeper();
    leases.track('a');
    const id = leases.reportSent();
    now = 4_000;
    leases.answered(answer(id, ['a']));
    now = 9_000;
    expect(leases.overdue()).toEqual([]);
    now = 9_001;
    expect(leases.overdue()).toEqual(['a']);
    expect(leases.reportEveryMs).toBe(1_666);
  });

  it('leaves a task uncovered until it is first renewed, then covers tasks claimed later for one renewal', () => {
    const leases = keeper();
    leases.track('a');
    now = 1_000_000;
    expect(leases.overdue()).toEqual([]);
    leases.answered(answer(leases.reportSent(), []));
    leases.track('b');
    now += 8_001;
    expect(leases.overdue()).toEqual(['b']);
  });

  it('ignores renewals of tasks it does not keep, answers without a report id, and never shortens a cover', () => {
    const leases = keeper();
    leases.track('a', 20_000);
    const old = leases.reportSent();
    leases.answered(answer(undefined, ['a', 'x']));
    leases.answered(answer(old, ['a', 'x']));
    now = 20_999;
    expect(leases.overdue()).toEqual([]);
    leases.forget('a');
    now = 100_000;
    expect(leases.overdue()).toEqual([]);
  });
});
