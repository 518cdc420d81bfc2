const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;

export type AfterFailure = { retryInMs: number } | { giveUp: string };

/**
 * When to try connecting again: exponential backoff from 1 s to 60 s, and with a `maxAttempts` the
 * circuit breaker: that many failed attempts in a row (only those within `windowMs`, if set) and the
 * worker gives up. A successful connection starts both afresh.
 */
export class ReconnectPolicy {
  private delayMs = FIRST_DELAY_MS;
  private failures: number[] = [];

  constructor(private readonly limits: { maxAttempts: number; windowMs: number }) {}

  connected(): void {
    this.delayMs = FIRST_DELAY_MS;
    this.failures = [];
  }

  /** An attempt failed at `now`: how long to wait before the next, or why to stop trying. */
  failed(now: number): AfterFailure {
    const { maxAttempts, windowMs } = this.limits;
    this.failures.push(now);
    if (windowMs > 0) this.failures = this.failures.filter((time) => now - time <= windowMs);
    if (maxAttempts > 0 && this.failures.length >= maxAttempts) {
      return { giveUp: `${this.failures.length} failed attempts${windowMs > 0 ? ` within ${windowMs / 1000} s` : ''}` };
    }
    const retryInMs = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
    return { retryInMs };
  }
}
