import { HARNESSES, planRoute, type Harness, type ProviderMetrics, type ProviderRouter } from '@oz/providers';
import { AgentRunner, RunCancelled, RunFailure, type RunnerInput, type RunnerResult, waitAlive } from './agent-runner';

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

  async run(input: RunnerInput): Promise<RunnerResult> {
    let length = 0;
    let restartAt: number | null = null;
    let saturatedSince: Date | null = null;
    const harness = (HARNESSES as readonly string[]).includes(input.agent.harness) ? (input.agent.harness as Harness) : undefined;
    const selector = { modelId: input.agent.model, harness, harnessType: harness ? null : input.agent.harness };
    for (;;) {
      const trail = this.metrics.trail(planRoute(this.router.settings, selector).candidates.map(({ provider }) => provider.key));
      const outcome = await this.router.route(
        {
          runId: input.runId,
          prompt: input.prompt,
          system: input.system,
          signal: input.signal,
          modelId: input.agent.model,
          harness,
          harnessType: harness ? null : input.agent.harness,
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
