import { Inject, Injectable, Logger } from '@nestjs/common';
import { planRoute, ProviderRouter, type RouteOutcome } from '@oz/providers';
import { InjectReplicaId } from '../common/replica-id';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Metrics } from '../metrics/metrics';
import type { Execution } from './execution';
import { ExecutionRepository, type ClaimedRun } from './execution.repository';
import { describeForTenant, ProviderFailures } from './provider-failures';

/**
 * Executes one claimed provider run: routes its prompt through the ProviderRouter (fallback, quotas,
 * queueing) and records the outcome. Every write is conditional on this replica still holding the run.
 */
@Injectable()
export class ProviderRunner {
  private readonly logger = new Logger('executor');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @InjectReplicaId() private readonly owner: string,
    private readonly runs: ExecutionRepository,
    private readonly router: ProviderRouter,
    private readonly failures: ProviderFailures,
    private readonly metrics: Metrics,
  ) {}

  /** Runs it to its end; when every provider was saturated, the time the requeued run is due again. */
  async execute(run: ClaimedRun, execution: Execution): Promise<{ retryAt?: Date }> {
    const { maxRecoveries } = this.config.executor;
    if (run.leaseRecoveries > maxRecoveries) {
      await this.runs.finish(run.id, this.owner, 'FAILED', {
        statusMessage: `The run was interrupted ${run.leaseRecoveries} times (its control-plane replica stopped while running it); giving up (OZ_EXECUTOR_MAX_RECOVERIES=${maxRecoveries})`,
      });
      this.logger.warn({ runId: run.id, recoveries: run.leaseRecoveries }, 'run.abandoned');
      return {};
    }
    if (run.leaseRecoveries > 0) this.logger.warn({ runId: run.id, recoveries: run.leaseRecoveries }, 'run.recovered');
    if (run.firstClaimWaitSeconds !== null) this.metrics.runDispatched('provider', run.firstClaimWaitSeconds);

    const selector = { modelId: run.agentConfig.model_id ?? run.modelId, harnessType: run.agentConfig.harness?.type };
    const trail = this.metrics.providers.trail(planRoute(this.router.settings, selector).candidates.map(({ provider }) => provider.key));
    const outcome = await this.router.route(
      {
        runId: run.id,
        ...selector,
        prompt: run.prompt,
        system: run.agentConfig.base_prompt,
        signal: execution.controller.signal,
        saturatedSince: run.saturatedSince,
      },
      {
        onAttempt: async ({ provider, model }) => {
          trail.attempting(provider.key);
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
    return this.record(run, outcome, () =>
      describeForTenant(outcome as Exclude<RouteOutcome, { kind: 'answered' | 'cancelled' }>, this.failures.of(execution.controller.signal), {
        settings: this.router.settings,
        selector,
      }),
    );
  }

  /** `report` says what the tenant is told (status_message) and what only the admin sees (status_detail). */
  private async record(run: ClaimedRun, outcome: RouteOutcome, report: () => { statusMessage: string; statusDetail: string }): Promise<{ retryAt?: Date }> {
    switch (outcome.kind) {
      case 'answered': {
        const done = await this.runs.finish(run.id, this.owner, 'SUCCEEDED', { output: outcome.text, statusMessage: null });
        if (done) this.logger.log({ runId: run.id, provider: outcome.attempt.provider.key }, 'run.succeeded');
        return {};
      }
      case 'failed': {
        const done = await this.runs.finish(run.id, this.owner, 'FAILED', { output: null, ...report() });
        if (done) this.logger.warn({ runId: run.id, reason: outcome.message }, 'run.failed');
        return {};
      }
      case 'saturated':
        if (await this.runs.requeue(run.id, this.owner, outcome.retryAt, report())) {
          this.logger.log({ runId: run.id, retryAt: outcome.retryAt.toISOString() }, 'run.waiting_for_slot');
          return { retryAt: outcome.retryAt };
        }
        return {};
      case 'cancelled':
        // Cancelled by a user (the row says so already), lost to another replica, or handed back on shutdown.
        return {};
    }
  }
}
