import { CronExpressionParser } from 'cron-parser';

/**
 * 5-field cron (minute hour day-of-month month day-of-week), always in UTC, as the SDK documents.
 * Returns why an expression is unusable, or null when it is fine.
 */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `cron_schedule must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' }).next();
    return null;
  } catch (error) {
    return `cron_schedule "${expression}" is invalid: ${(error as Error).message}`;
  }
}

/** The first slot strictly after `after`. */
export function nextCronSlot(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: after }).next().toDate();
}
