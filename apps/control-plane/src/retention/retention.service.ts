import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicTask } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

/**
 * Deletes terminal runs older than OZ_RUN_RETENTION_DAYS in small batches, so a large backlog never
 * holds long locks, and the LLM gateway's per-provider usage of that age. Replicas may sweep together: SKIP LOCKED keeps them off each other's rows.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('retention');
  private readonly task: PeriodicTask;

  constructor(
    private readonly repository: RetentionRepository,
    registry: SchedulerRegistry,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    this.task = new PeriodicTask(registry, 'retention', config.retention.sweepIntervalMs, () => this.sweep().then());
  }

  onApplicationBootstrap(): void {
    if (this.config.retention.days > 0) {
      this.task.start();
      this.logger.log({ days: this.config.retention.days }, 'retention.enabled');
    }
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One full sweep; returns the number of runs deleted. */
  async sweep(now = new Date()): Promise<number> {
    if (this.config.retention.days <= 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.retention.days * DAY_MS);
    const { batchSize } = this.config.retention;
    let total = 0;
    for (;;) {
      const deleted = await this.repository.deleteFinishedRunsBefore(cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize) break;
    }
    await this.repository.deleteProviderUsageBefore(cutoff);
    if (total > 0) this.logger.log({ deleted: total, cutoff }, 'retention.swept');
    return total;
  }
}
