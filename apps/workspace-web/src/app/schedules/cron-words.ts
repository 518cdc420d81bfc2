const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number) => String(n).padStart(2, '0');
const isNumber = (field: string) => /^\d+$/.test(field);

/**
 * A 5-field cron expression (UTC) in words, for the common shapes; anything else is returned as
 * "cron <expression> (UTC)". The schedule's next run, from the server, is always shown beside it.
 */
export function cronInWords(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `cron ${expression}`;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const everyDay = dayOfMonth === '*' && month === '*' && dayOfWeek === '*';
  const step = /^\*\/(\d+)$/;
  if (minute === '*' && hour === '*' && everyDay) return 'Every minute';
  const minuteStep = step.exec(minute)?.[1];
  const hourStep = step.exec(hour)?.[1];
  if (minuteStep && hour === '*' && everyDay) return minuteStep === '1' ? 'Every minute' : `Every ${Number(minuteStep)} minutes`;
  if (isNumber(minute) && hour === '*' && everyDay) return `Every hour at :${pad(Number(minute))}`;
  if (isNumber(minute) && hourStep && everyDay) return `Every ${Number(hourStep)} hours at :${pad(Number(minute))} UTC`;
  if (isNumber(minute) && isNumber(hour)) {
    const at = `${pad(Number(hour))}:${pad(Number(minute))} UTC`;
    if (everyDay) return `Every day at ${at}`;
    if (dayOfMonth === '*' && month === '*' && dayOfWeek === '1-5') return `Every weekday at ${at}`;
    if (dayOfMonth === '*' && month === '*' && /^[0-7]$/.test(dayOfWeek)) return `Every ${DAYS[Number(dayOfWeek) % 7]} at ${at}`;
    if (isNumber(dayOfMonth) && month === '*' && dayOfWeek === '*') return `On day ${Number(dayOfMonth)} of every month at ${at}`;
  }
  return `cron ${expression} (UTC)`;
}
