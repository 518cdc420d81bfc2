import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CoalescedTask } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RUN_PENDING_CHANNEL } from '../database/channels';
import { PgNotifications } from '../database/pg-notifications';
import { WorkerConnectionsRepository } from './worker-connections.repository';
import { WorkerRunsRepository } from './worker-runs.repository';

/** A run that could be assigned but is still waiting after this long is told that every worker is busy. */
const BUSY_AFTER_MS = 5_000;

/**
 * Waiting runs explain themselves: a PENDING run no connected worker (on any replica) may take says
 * so in its status message (none connected; its pinned worker not connected; every one that may is
 * busy), and the words go as soon as a worker may take it (the dispatcher clears them on assignment).
 * With OZ_PENDING_TIMEOUT_SECONDS, a run that waited longer fails, saying why it waited. Runs when a
 * run becomes PENDING and on the dispatch poll.
 */
@Injectable()
export class PendingRuns implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatcher');
  private readonly explaining = new CoalescedTask(
    () => this.explain(),
    (error) => this.logger.error({ err: error }, 'pending.explain_failed'),
  );
  private unlisten: (() => void) | undefined;
  private poll: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: WorkerRunsRepository,
    private readonly presence: WorkerConnectionsRepository,
    private readonly notifications: PgNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unlisten = await this.notifications.listen(RUN_PENDING_CHANNEL, () => this.request());
    this.poll = setInterval(() => this.request(), this.config.workers.pollIntervalMs);
    this.request();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    clearInterval(this.poll);
    await this.explaining.idle();
  }

  private request(): void {
    if (!this.stopping) this.explaining.request();
  }

  private async explain(): Promise<void> {
    if (this.stopping) return;
    // A presence row not refreshed for a lease belongs to a replica that died without cleaning up.
    const connected = (await this.presence.connectedWorkers(this.config.workers.leaseMs)).map((worker) => worker.worker_id);
    await this.runs.explainWaiting(connected, BUSY_AFTER_MS);
    const { pendingTimeoutMs } = this.config.workers;
    if (pendingTimeoutMs > 0) {
      const failed = await this.runs.failPendingTooLong(pendingTimeoutMs);
      if (failed.length) this.logger.warn({ runs: failed, timeoutSeconds: pendingTimeoutMs / 1000 }, 'runs.pending_timed_out');
    }
  }
}
