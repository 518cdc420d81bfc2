import { compareEventIds, isEventId } from './event-ids';

describe('event ids', () => {
  it('orders by milliseconds, then by sequence, numerically rather than as text', () => {
    expect(compareEventIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareEventIds('9-5', '10-0')).toBeLessThan(0);
    expect(compareEventIds('5-10', '5-9')).toBeGreaterThan(0);
    expect(compareEventIds('5-3', '5-3')).toBe(0);
  });

  it('compares ids beyond the safe integer range exactly', () => {
    expect(compareEventIds('18446744073709551615-1', '18446744073709551614-9')).toBeGreaterThan(0);
    expect(compareEventIds('1-18446744073709551615', '1-18446744073709551616')).toBeLessThan(0);
  });

  it('treats leading zeros as the same number', () => {
    expect(compareEventIds('007-1', '7-1')).toBe(0);
  });

  it('recognises only <ms>-<seq> ids', () => {
    expect(isEventId('1700000000000-0')).toBe(true);
    expect(isEventId('0-0')).toBe(true);
    expect(isEventId('abc')).toBe(false);
    expect(isEventId('1-')).toBe(false);
  });
});
