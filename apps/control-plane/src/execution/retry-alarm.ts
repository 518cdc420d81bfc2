/**
 * Wakes the executor when runs it requeued (every provider saturated) become due again, rather than
 * at the next poll. Times are kept earliest first; one timer runs at a time.
 */
export class RetryAlarm {
  private timer: NodeJS.Timeout | undefined;
  private times: number[] = [];
  private stopped = false;

  constructor(private readonly wake: () => void) {}

  at(time: Date): void {
    this.times.push(time.getTime());
    this.times.sort((a, b) => a - b);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const next = this.times[0];
    if (next === undefined || this.stopped) return;
    // A few ms late, so the database clock has certainly passed `available_at` too.
    this.timer = setTimeout(() => {
      const now = Date.now();
      this.times = this.times.filter((time) => time > now);
      this.wake();
      this.schedule();
    }, Math.max(0, next - Date.now()) + 20);
  }
}
