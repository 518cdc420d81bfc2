import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicTask } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchedulesService } from './schedules.service';

/** Polls for due schedules on every replica; the database decides which replica fires each one. */
@Injectable()
export class ScheduleFiringLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    schedules: SchedulesService,
    registry: SchedulerRegistry,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    this.task = new PeriodicTask(registry, 'schedules', config.scheduler.pollIntervalMs, async () => {
      await schedules.fireDue();
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.scheduler.enabled) this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
