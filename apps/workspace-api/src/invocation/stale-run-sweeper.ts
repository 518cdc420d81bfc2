import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicTask } from '@oz/server-kit';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { RunsRepository } from '../runs/runs.repository';
import { InvocationService } from './invocation.service';

/**
 * OZ_STALE_AGENT_SWEEP_MS: runs with no activity for that long (a replica died mid-reply, a remote run
 * stopped reporting) are failed, so their agents stop showing "running". Streaming text counts as
 * activity, so a long reply that keeps writing is never swept.
 */
@Injectable()
export class StaleRunSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask | null;

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    registry: SchedulerRegistry,
    private readonly runs: RunsRepository,
    private readonly invocation: InvocationService,
  ) {
    const staleAfter = config.invocation.staleAfterMs;
    this.task = staleAfter > 0 ? new PeriodicTask(registry, 'stale-run-sweeper', Math.min(60_000, Math.max(50, staleAfter / 4)), async () => void (await this.sweep())) : null;
  }

  onApplicationBootstrap(): void {
    this.task?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  async sweep(): Promise<number> {
    const minutes = Math.round(this.config.invocation.staleAfterMs / 60_000);
    const stale = await this.runs.failStale(
      new Date(Date.now() - this.config.invocation.staleAfterMs),
      `The agent stopped responding (no activity for ${minutes >= 1 ? `${minutes} min` : `${this.config.invocation.staleAfterMs} ms`})`,
    );
    await this.invocation.settleEnded(stale, 'error');
    return stale.length;
  }
}
