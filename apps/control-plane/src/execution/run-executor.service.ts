import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ProviderRouter, type RouteOutcome } from '@oz/providers';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CoalescedTask } from '@oz/server-kit';
import { PgNotifications } from '../database/pg-notifications';
import { ExecutionRepository, type ClaimedRun } from './execution.repository';

/** Channels the runs table's trigger notifies (see the provider-execution migration). */
export const RUN_QUEUED_CHANNEL = 'oz_run_queued';
export const RUN_CANCELLED_CHANNEL = 'oz_run_cancelled';

/** How often streamed output is written to the run while a provider answers. */
const OUTPUT_FLUSH_MS = 1000;

type StopReason = 'cancelled' | 'lost' | 'shutdown';

interface Execution {
  controller: AbortController;
  /** The answer of the current attempt so far, and how much of it the run row already has. */
  output: string;
  savedOutput: string;
  attempting: boolean;
  done: Promise<void>;
}

/**
 * Executes provider runs (runs without an environment) inside this replica: claims due runs with a
 * lease, routes each through the ProviderRouter, and records the answer. Several replicas share the
 * work through the database alone: SKIP LOCKED claims, leases renewed while a run executes and taken
 * over by another replica when they lapse, and a saturated run queued in its row (`available_at`),
 * not in a replica's memory. A notification wakes executors as soon as a run is queued, and a
 * cancellation aborts the provider call wherever it is in flight.
 */
@Injectable()
export class RunExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('executor');
  /** Names this replica in lease_owner; unique per process, so a restarted replica is a new owner. */
  readonly owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly executions = new Map<string, Execution>();
  private readonly timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  /** When runs this replica requeued become due, earliest first. */
  private retryTimes: number[] = [];
  private readonly filling = new CoalescedTask(
    () => this.fill(),
    (error) => this.logger.error({ err: error }, 'executor.claim_failed'),
  );
  private stopping = false;
  private readonly unlisten: Array<() => void> = [];

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: ExecutionRepository,
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
    clearTimeout(this.retryTimer);
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
    const execution: Execution = {
      controller: new AbortController(),
      output: '',
      savedOutput: '',
      attempting: false,
      done: Promise.resolve(),
    };
    this.executions.set(run.id, execution);
    execution.done = this.execute(run, execution)
      .catch((error: Error) => {
        // The lease lapses and another replica (or this one) takes the run over.
        this.logger.error({ err: error, runId: run.id }, 'run.execution_failed');
      })
      .finally(() => {
        this.executions.delete(run.id);
        this.wake();
      });
  }

  private async execute(run: ClaimedRun, execution: Execution): Promise<void> {
    const { maxRecoveries } = this.config.executor;
    if (run.leaseRecoveries > maxRecoveries) {
      await this.runs.finish(run.id, this.owner, 'FAILED', {
        statusMessage: `The run was interrupted ${run.leaseRecoveries} times (its control-plane replica stopped while running it); giving up (OZ_EXECUTOR_MAX_RECOVERIES=${maxRecoveries})`,
      });
      this.logger.warn({ runId: run.id, recoveries: run.leaseRecoveries }, 'run.abandoned');
      return;
    }
    if (run.leaseRecoveries > 0) this.logger.warn({ runId: run.id, recoveries: run.leaseRecoveries }, 'run.recovered');

    const outcome = await this.router.route(
      {
        runId: run.id,
        modelId: run.agentConfig.model_id ?? run.modelId,
        harnessType: run.agentConfig.harness?.type,
        prompt: run.prompt,
        system: run.agentConfig.base_prompt,
        signal: execution.controller.signal,
        saturatedSince: run.saturatedSince,
      },
      {
        onAttempt: async ({ provider, model }) => {
          execution.output = '';
          execution.savedOutput = '';
          const started = await this.runs.startAttempt(run.id, this.owner, {
            providerKey: provider.key,
            providerType: provider.type,
            model,
          });
          execution.attempting = started;
          if (started) this.logger.log({ runId: run.id, provider: provider.key, model }, 'run.provider_call');
          return started && !execution.controller.signal.aborted;
        },
        onDelta: (text) => (execution.output += text),
        onAttemptFailed: ({ provider }, error) => {
          execution.output = '';
          this.logger.warn({ runId: run.id, provider: provider.key, kind: error.kind, reason: error.message }, 'run.provider_failed');
        },
      },
    );
    await this.record(run, outcome);
  }

  private async record(run: ClaimedRun, outcome: RouteOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'answered': {
        const done = await this.runs.finish(run.id, this.owner, 'SUCCEEDED', { output: outcome.text, statusMessage: null });
        if (done) this.logger.log({ runId: run.id, provider: outcome.attempt.provider.key }, 'run.succeeded');
        return;
      }
      case 'failed': {
        const done = await this.runs.finish(run.id, this.owner, 'FAILED', { output: null, statusMessage: outcome.message });
        if (done) this.logger.warn({ runId: run.id, reason: outcome.message }, 'run.failed');
        return;
      }
      case 'saturated':
        if (await this.runs.requeue(run.id, this.owner, outcome.retryAt, outcome.message)) {
          this.logger.log({ runId: run.id, retryAt: outcome.retryAt.toISOString() }, 'run.waiting_for_slot');
          this.wakeAt(outcome.retryAt);
        }
        return;
      case 'cancelled':
        // Cancelled by a user (the row says so already), lost to another replica, or handed back on shutdown.
        return;
    }
  }

  /** A requeued run is due at `at`: look again then rather than at the next poll. */
  private wakeAt(at: Date): void {
    this.retryTimes.push(at.getTime());
    this.retryTimes.sort((a, b) => a - b);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    const next = this.retryTimes[0];
    if (next === undefined || this.stopping) return;
    // A few ms late, so the database clock has certainly passed `available_at` too.
    this.retryTimer = setTimeout(() => {
      const now = Date.now();
      this.retryTimes = this.retryTimes.filter((time) => time > now);
      this.wake();
      this.scheduleRetry();
    }, Math.max(0, next - Date.now()) + 20);
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
