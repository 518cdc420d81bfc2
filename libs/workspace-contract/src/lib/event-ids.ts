/**
 * Event ids of the workspace's SSE streams are Redis stream ids, `<ms>-<seq>`, whichever event bus the
 * server runs (Redis or in-process). Clients compare them to drop events they have already applied.
 */
export const EVENT_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;

export function isEventId(value: string): boolean {
  return EVENT_ID_PATTERN.test(value);
}

/**
 * Compares two event ids numerically: negative when `a` comes first, positive when `b` does, 0 when
 * equal (`10-0` comes after `9-5`). Digit strings are compared by length, then text, so ids beyond
 * 2^53 still compare exactly without BigInt.
 */
export function compareEventIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-');
  const [bMs, bSeq] = b.split('-');
  return compareDigits(aMs, bMs) || compareDigits(aSeq ?? '0', bSeq ?? '0');
}

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
