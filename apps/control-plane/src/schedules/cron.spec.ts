import { cronProblem, nextCronSlot } from './cron';

describe('cron', () => {
  it('accepts 5-field expressions', () => {
    expect(cronProblem('*/5 * * * *')).toBeNull();
    expect(cronProblem('0 9 * * 1-5')).toBeNull();
  });

  it('explains what is wrong with a bad expression', () => {
    expect(cronProblem('* * *')).toMatch(/must have 5 fields.*got 3/);
    expect(cronProblem('0 0 * * * *')).toMatch(/got 6/);
    expect(cronProblem('60 * * * *')).toMatch(/invalid.*0-59/);
    expect(cronProblem('every day')).toMatch(/5 fields/);
    expect(cronProblem('0 0 31 2 *')).toMatch(/invalid/);
  });

  it('computes the next slot in UTC, strictly after the given time', () => {
    expect(nextCronSlot('0 9 * * *', new Date('2026-03-01T08:59:59Z')).toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(nextCronSlot('0 9 * * *', new Date('2026-03-01T09:00:00Z')).toISOString()).toBe('2026-03-02T09:00:00.000Z');
  });
});
