import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ProviderRouter } from '@oz/providers';
import { CoalescedTask } from '@oz/server-kit';
import { InjectReplicaId } from '../common/replica-id';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RUN_CANCELLED_CHANNEL, RUN_QUEUED_CHANNEL } from '../database/channels';
import { PgNotifications } from '../database/pg-notifications';
import { newExecution, type Execution, type StopReason } from './execution';
import { ExecutionRepository, type ClaimedRun } from './execution.repository';
import { ProviderRunner } from './provider-runner';
import { RetryAlarm } from './retry-alarm';

/** How often streamed output is written to the run while a provider answers. */
const OUTPUT_FLUSH_MS = 1000;

/**
 * Executes provider runs (runs without an environment) inside this replica: claims due runs with a
 * lease, up to OZ_EXECUTOR_CONCURRENCY at once, and has the ProviderRunner execute each. Several
 * replicas share the work through the database alone: SKIP LOCKED claims, leases renewed while a run
 * executes and taken over by another replica when they lapse, and a saturated run queued in its row
 * (`available_at`), not in a replica's memory. A notification wakes executors as soon as a run is
 * queued, and a cancellation aborts the provider call wherever it is in flight.
 */
@Injectable()
export class RunExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('executor');
  private readonly executions = new Map<string, Execution>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly retries = new RetryAlarm(() => this.wake());
  private readonly filling = new CoalescedTask(
    () => this.fill(),
    (error) => this.logger.error({ err: error }, 'executor.claim_failed'),
  );
  private stopping = false;
  private readonly unlisten: Array<() => void> = [];

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @InjectReplicaId() private readonly owner: string,
    private readonly runs: ExecutionRepository,
    private readonly runner: ProviderRunner,
    private readonly router: ProviderRouter,
    private readonly notifications: PgNotifications,
  ) {}

  get running(): number {
    return this.executions.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const provider of this.router.settings.providers.values()) {
      if (provider.problems.length) {
        this.logger.warn({ provider: provider.key, problems: provider.problems }, 'provider.unusable');
      }
    }
    const { concurrency, leaseMs, pollIntervalMs } = this.config.executor;
    if (concurrency === 0) {
      this.logger.log('executor.disabled');
      return;
    }
    this.unlisten.push(
      await this.notifications.listen(RUN_QUEUED_CHANNEL, () => this.wake()),
      await this.notifications.listen(RUN_CANCELLED_CHANNEL, (id) => this.stop(id, 'cancelled')),
      this.notifications.onReconnect(() => {
        this.wake();
        void this.renewLeases();
      }),
    );
    this.timers.push(
      setInterval(() => this.wake(), pollIntervalMs),
      setInterval(() => void this.renewLeases(), Math.max(1000, Math.floor(leaseMs / 3))),
      setInterval(() => void this.flushOutputs(), OUTPUT_FLUSH_MS),
    );
    this.logger.log({ owner: this.owner, concurrency }, 'executor.started');
    this.wake();
  }

  /**
   * Stops taking work, aborts the calls in flight and hands their runs back to the queue, so another
   * replica runs them at once instead of after their leases lapse.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unlisten.forEach((stop) => stop());
    this.timers.forEach((timer) => clearInterval(timer));
    this.retries.stop();
    const ids = [...this.executions.keys()];
    for (const id of ids) this.stop(id, 'shutdown');
    await Promise.all([...this.executions.values()].map((execution) => execution.done));
    await this.filling.idle();
    const released = await this.runs.release(ids, this.owner).catch((error: Error) => {
      this.logger.error({ err: error }, 'executor.release_failed');
      return 0;
    });
    if (ids.length) this.logger.log({ released }, 'executor.stopped');
  }

  /** Looks for due runs now (coalesced: a wake during a claim round triggers one more round). */
  wake(): void {
    if (this.stopping || this.config.executor.concurrency === 0) return;
    this.filling.request();
  }

  private async fill(): Promise<void> {
    const { concurrency, leaseMs } = this.config.executor;
    while (!this.stopping) {
      const free = concurrency - this.executions.size;
      if (free <= 0) return;
      const claimed = await this.runs.claim(this.owner, free, leaseMs);
      for (const run of claimed) this.start(run);
      if (claimed.length < free) return;
    }
  }

  private start(run: ClaimedRun): void {
    const execution = newExecution();
    this.executions.set(run.id, execution);
    execution.done = this.runner
      .execute(run, execution)
      .then(({ retryAt }) => {
        if (retryAt) this.retries.at(retryAt);
      })
      .catch((error: Error) => {
        // The lease lapses and another replica (or this one) takes the run over.
        this.logger.error({ err: error, runId: run.id }, 'run.execution_failed');
      })
      .finally(() => {
        this.executions.delete(run.id);
        this.wake();
      });
  }

  private stop(id: string, reason: StopReason): void {
    const execution = this.executions.get(id);
    if (!execution || execution.controller.signal.aborted) return;
    this.logger.log({ runId: id, reason }, 'run.stopping');
    execution.controller.abort(reason);
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.executions.keys()];
    if (!ids.length || this.stopping) return;
    try {
      const held = await this.runs.renew(this.owner, ids, this.config.executor.leaseMs);
      // Gone from under us: cancelled while no notification reached us, or taken over after a stall.
      for (const id of ids) if (!held.has(id)) this.stop(id, 'lost');
    } catch (error) {
      this.logger.error({ err: error }, 'executor.renew_failed');
    }
  }

  private async flushOutputs(): Promise<void> {
    for (const [id, execution] of this.executions) {
      if (!execution.attempting || execution.output === execution.savedOutput) continue;
      const output = execution.output;
      try {
        await this.runs.saveOutput(id, this.owner, output);
        execution.savedOutput = output;
      } catch (error) {
        this.logger.warn({ err: error, runId: id }, 'run.output_flush_failed');
      }
    }
  }
}
