import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RUN_CANCELLED_CHANNEL } from '../database/channels';
import { PgNotifications } from '../database/pg-notifications';
import { WorkerRegistry } from './worker-registry';
import { WorkerRunsRepository } from './worker-runs.repository';

/**
 * A run was cancelled (on any replica): if a worker connected to this replica holds it, tell that
 * worker to stop the task (`task_cancellation`). Its CANCELLED completion is then accepted as usual.
 */
@Injectable()
export class CancellationForwarder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatcher');
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly runs: WorkerRunsRepository,
    private readonly registry: WorkerRegistry,
    private readonly notifications: PgNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unlisten = await this.notifications.listen(RUN_CANCELLED_CHANNEL, (runId) => void this.forward(runId));
  }

  beforeApplicationShutdown(): void {
    this.unlisten?.();
  }

  private async forward(runId: string): Promise<void> {
    try {
      const workerId = await this.runs.holderOf(runId);
      if (!workerId) return;
      const connection = this.registry.connectionFor(runId, workerId);
      if (!connection) return;
      await this.registry.send(connection, { type: 'task_cancellation', data: { task_id: runId } });
      this.registry.release(runId);
      this.logger.log({ runId, workerId }, 'run.cancellation_sent');
    } catch (error) {
      this.logger.warn({ err: error, runId }, 'run.cancellation_failed');
    }
  }
}
