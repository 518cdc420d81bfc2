import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerRunsRepository } from './worker-runs.repository';

/** Leases are renewed on worker traffic at most this often per connection (and at least 3× per lease). */
const RENEW_EVERY_MS = 5_000;

/**
 * Leases, not connections, decide whether a worker run is alive. Signs of life from a worker renew the
 * leases of its runs; the sweep takes back assignments nobody claimed before their deadline and ends
 * (or, with OZ_WORKER_RETRY_LOST_RUNS, requeues) the runs of a worker that stayed silent past its
 * lease. A dropped WebSocket alone fails nothing.
 */
@Injectable()
export class WorkerLeases implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker-leases');
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: WorkerRunsRepository,
    private readonly registry: WorkerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), this.config.workers.pollIntervalMs);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /** Any traffic on a connection is a sign of life: renew its worker's leases and its presence (throttled). */
  async seen(connection: WorkerConnection): Promise<void> {
    const { leaseMs } = this.config.workers;
    if (!this.registry.noteSignOfLife(connection, Math.min(RENEW_EVERY_MS, leaseMs / 3))) return;
    await Promise.all([this.runs.renewLeases(connection.workerId, leaseMs), this.registry.recordSeen(connection)]);
  }

  private async sweep(): Promise<void> {
    try {
      const unclaimed = await this.runs.reclaimUnclaimed();
      for (const id of unclaimed) this.registry.release(id);
      if (unclaimed.length) this.logger.warn({ runs: unclaimed }, 'runs.claim_timed_out');
      const lost = this.config.workers.retryLostRuns ? await this.runs.requeueLost() : await this.runs.failLost();
      for (const { id } of lost) this.registry.release(id);
      if (lost.length) this.logger.warn({ runs: lost }, 'runs.worker_lost');
    } catch (error) {
      this.logger.error({ err: error }, 'sweep.failed');
    }
  }
}
