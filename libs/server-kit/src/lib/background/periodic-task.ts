import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A background loop registered with @nestjs/schedule: runs `work` every `intervalMs`, never two at
 * once, and on stop waits for the round in progress, so shutdown never cuts a transaction in half.
 */
export class PeriodicTask {
  private running: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    this.registry.addInterval(this.name, setInterval(() => void this.runOnce(), this.intervalMs));
  }

  /** One round now, unless one is already in progress (then that one is awaited). */
  runOnce(): Promise<void> {
    this.running ??= this.work()
      .catch((error) => this.logger.error({ err: error }, `${this.name}.failed`))
      .finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.registry.doesExist('interval', this.name)) this.registry.deleteInterval(this.name);
    await this.running;
  }
}
