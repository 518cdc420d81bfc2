/**
 * Waits `ms`, or less when `signal` aborts first. Never rejects: callers look at `signal.aborted`
 * afterwards, which keeps cancellation a decision of the caller rather than an exception in flight.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
