import { HARNESSES, planRoute, type Harness, type ProviderMetrics, type ProviderRouter, type RouteSelector } from '@oz/providers';
import type { AgentRow } from '../agents/agent.view';
import { AgentRunner, RunCancelled, RunFailure, type RunnerInput, type RunnerResult, waitAlive } from './agent-runner';

/**
 * How the local runner picks providers for an agent: its harness directly (`oz`, which is no provider
 * harness, by the harness rules), its model as `model_id`. The remote runner's config (run-config.ts)
 * leads the control plane to the same providers.
 */
export function localSelector(agent: Pick<AgentRow, 'harness' | 'model'>): RouteSelector {
  const harness = (HARNESSES as readonly string[]).includes(agent.harness) ? (agent.harness as Harness) : undefined;
  return { modelId: agent.model, harness, harnessType: harness ? null : agent.harness };
}

/**
 * `OZ_RUNNER_MODE=local`: the workspace calls providers itself through @oz/providers, with the same
 * routing, quotas (in the workspace schema), fallback and queueing as the control plane.
 */
export class LocalRunner extends AgentRunner {
  readonly mode = 'local';

  constructor(
    private readonly router: ProviderRouter,
    private readonly metrics: ProviderMetrics,
  ) {
    super();
  }

  runsInContainer(): boolean {
    return false;
  }

  async run(input: RunnerInput): Promise<RunnerResult> {
    let length = 0;
    let restartAt: number | null = null;
    let saturatedSince: Date | null = null;
    const selector = localSelector(input.agent);
    for (;;) {
      const trail = this.metrics.trail(planRoute(this.router.settings, selector).candidates.map(({ provider }) => provider.key));
      const outcome = await this.router.route(
        {
          runId: input.runId,
          prompt: input.prompt,
          system: input.system,
          signal: input.signal,
          ...selector,
          saturatedSince,
        },
        {
          onAttempt: async (attempt) => {
            trail.attempting(attempt.provider.key);
            await input.started({ provider: `${attempt.provider.key}/${attempt.model}` });
            return !input.signal.aborted;
          },
          onDelta: (text) => {
            const offset = restartAt ?? length;
            restartAt = null;
            length = offset + text.length;
            input.onText(offset, text);
          },
          // Text streamed by a provider that then failed is not part of the answer: the next one starts over.
          onAttemptFailed: () => {
            restartAt = 0;
            length = 0;
          },
        },
      );
      switch (outcome.kind) {
        case 'answered':
          return { text: outcome.text, artifacts: [] };
        case 'cancelled':
          throw new RunCancelled('cancelled');
        case 'failed':
          throw new RunFailure(outcome.message);
        case 'saturated':
          saturatedSince ??= new Date();
          await waitAlive(outcome.retryAt.getTime() - Date.now(), input); // waiting for a slot is not a stale run
          if (input.signal.aborted) throw new RunCancelled('cancelled');
      }
    }
  }
}
