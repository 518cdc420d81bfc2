/**
 * Cron slots computed independently of the code under test (cron-parser), so schedule tests check
 * next_run against arithmetic rather than against the implementation itself.
 */
const MINUTE = 60_000;

/** The next HH:MM UTC strictly after `after`: what `M H * * *` should fire at next. */
export function nextDailySlot(hour: number, minute: number, after: Date): string {
  const slot = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), hour, minute));
  if (slot.getTime() <= after.getTime()) slot.setUTCDate(slot.getUTCDate() + 1);
  return slot.toISOString();
}

/** The next multiple of `minutes` past the hour strictly after `after`: what `*\/N * * * *` should fire at next. */
export function nextEveryMinutesSlot(minutes: number, after: Date): string {
  const step = minutes * MINUTE;
  return new Date(Math.floor(after.getTime() / step) * step + step).toISOString();
}
