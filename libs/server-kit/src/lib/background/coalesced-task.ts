/**
 * Work that many events may ask for at once (notifications, timers, finished runs): never two rounds
 * at a time, and a request during a round causes exactly one more round after it, so none is lost
 * and a burst of requests costs two rounds, not one per request.
 */
export class CoalescedTask {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  /** Resolves when the round in progress (if any) is over. */
  async idle(): Promise<void> {
    await this.running;
  }
}
