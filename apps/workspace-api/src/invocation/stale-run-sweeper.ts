import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicTask } from '@oz/server-kit';
import { ReplyWriter } from '../agent-runs/reply-writer';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

/**
 * How often a live run that writes no text sends a heartbeat: a third of the sweep threshold, so a
 * late one is not mistaken for a dead run, and at most every 10 s.
 */
export function heartbeatInterval(staleAfterMs: number): number {
  return staleAfterMs > 0 ? Math.min(10_000, Math.max(50, Math.floor(staleAfterMs / 3))) : 10_000;
}

/**
 * OZ_STALE_AGENT_SWEEP_MS: runs with no heartbeat for that long (a replica died mid-reply, a remote
 * run stopped reporting) are failed, so their agents stop showing "running". Saving streamed text is a
 * heartbeat, so a long reply that keeps writing is never swept.
 */
@Injectable()
export class StaleRunSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask | null;

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    registry: SchedulerRegistry,
    private readonly replies: ReplyWriter,
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
    const staleAfter = this.config.invocation.staleAfterMs;
    const minutes = Math.round(staleAfter / 60_000);
    return this.replies.failStale(
      new Date(Date.now() - staleAfter),
      `The agent stopped responding (no activity for ${minutes >= 1 ? `${minutes} min` : `${staleAfter} ms`})`,
    );
  }
}
