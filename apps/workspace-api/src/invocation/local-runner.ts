import { Inject, Injectable } from '@nestjs/common';
import { HARNESSES, ProviderRouter, QuotaStore, type Harness } from '@oz/providers';
import { pgPool } from '@oz/server-kit';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { AgentRunner, RunCancelled, RunFailure, type RunnerInput, type RunnerResult } from './agent-runner';

/**
 * `OZ_RUNNER_MODE=local`: the workspace calls providers itself through @oz/providers, with the same
 * routing, quotas (in the workspace schema), fallback and queueing as the control plane.
 */
@Injectable()
export class LocalRunner extends AgentRunner {
  readonly mode = 'local';
  private readonly router: ProviderRouter;

  constructor(@Inject(WORKSPACE_CONFIG) config: WorkspaceConfig, @InjectDataSource() dataSource: DataSource) {
    super();
    if (config.runner.mode !== 'local') throw new Error('LocalRunner needs OZ_RUNNER_MODE=local');
    this.router = new ProviderRouter(config.runner.providers, new QuotaStore(pgPool(dataSource)));
  }

  async run(input: RunnerInput): Promise<RunnerResult> {
    let length = 0;
    let restartAt: number | null = null;
    let saturatedSince: Date | null = null;
    const harness = (HARNESSES as readonly string[]).includes(input.agent.harness) ? (input.agent.harness as Harness) : undefined;
    for (;;) {
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
            await input.onStarted({ provider: `${attempt.provider.key}/${attempt.model}` });
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
          await input.onStarted({}); // waiting for a slot is activity: the stale sweeper must not take it
          await sleepUntil(outcome.retryAt, input.signal);
      }
    }
  }
}

function sleepUntil(at: Date, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled('cancelled'));
    const timer = setTimeout(done, Math.max(0, at.getTime() - Date.now()));
    function done() {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new RunCancelled('cancelled'));
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}
