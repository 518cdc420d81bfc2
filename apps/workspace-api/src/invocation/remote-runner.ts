import { Inject, Injectable, Logger } from '@nestjs/common';
import OzAPI from 'oz-agent-sdk';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import type { NewArtifact } from '../artifacts/artifacts.repository';
import { AgentRunner, RunCancelled, RunFailure, type RunnerInput, type RunnerResult } from './agent-runner';

/** Run fields this runner reads; `output` is the control plane's extension (the answer so far). */
interface RemoteRun {
  run_id: string;
  state: string;
  status_message?: { message?: string } | null;
  artifacts?: { artifact_type: string; data?: Record<string, unknown> }[] | null;
  output?: string | null;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const ALIVE_EVERY_MS = 10_000;

/**
 * `OZ_RUNNER_MODE=remote`: each invocation is a run on an Oz control plane, created and followed
 * through the official oz-agent-sdk. The run's growing `output` is streamed into the room; its
 * artifacts (pull requests, plans) are saved to the room at the end. Stopping the invocation cancels
 * the remote run.
 */
@Injectable()
export class RemoteRunner extends AgentRunner {
  readonly mode = 'remote';
  private readonly logger = new Logger('remote-runner');
  private readonly client: OzAPI;
  private readonly environmentId: string | null;
  private readonly pollIntervalMs: number;

  constructor(@Inject(WORKSPACE_CONFIG) config: WorkspaceConfig) {
    super();
    if (config.runner.mode !== 'remote') throw new Error('RemoteRunner needs OZ_RUNNER_MODE=remote');
    this.client = new OzAPI({ apiKey: config.runner.apiKey, baseURL: config.runner.apiBaseUrl, maxRetries: 3 });
    this.environmentId = config.runner.environmentId;
    this.pollIntervalMs = config.runner.pollIntervalMs;
  }

  async run(input: RunnerInput): Promise<RunnerResult> {
    const environmentId = input.agent.environment_id ?? this.environmentId;
    let created: { run_id: string };
    try {
      created = await this.client.agent.run(
        {
          prompt: `${input.system}\n\n${input.prompt}`,
          title: `${input.agent.name} in the workspace`,
          config: {
            name: input.agent.name,
            model_id: input.agent.model ?? input.agent.harness,
            ...(environmentId ? { environment_id: environmentId } : {}),
          },
        } as Parameters<OzAPI['agent']['run']>[0],
        // The run id doubles as an idempotency key: an SDK retry cannot start the run twice.
        { signal: input.signal, headers: { 'Idempotency-Key': input.runId } },
      );
    } catch (error) {
      if (input.signal.aborted) throw new RunCancelled('cancelled');
      throw new RunFailure(`The control plane refused the run: ${describe(error)}`);
    }
    await input.onStarted({ remoteRunId: created.run_id, provider: 'control-plane' });

    let shown = 0;
    let lastAlive = Date.now();
    for (;;) {
      if (input.signal.aborted) {
        await this.client.agent.runs.cancel(created.run_id).catch((error) => this.logger.warn({ err: error }, 'remote.cancel_failed'));
        throw new RunCancelled('cancelled');
      }
      let run: RemoteRun;
      try {
        run = (await this.client.agent.runs.retrieve(created.run_id, { signal: input.signal })) as unknown as RemoteRun;
      } catch (error) {
        if (input.signal.aborted) continue;
        this.logger.warn({ err: error, remoteRunId: created.run_id }, 'remote.poll_failed');
        await sleep(this.pollIntervalMs, input.signal);
        continue;
      }
      const output = run.output ?? '';
      if (output.length > shown) {
        input.onText(shown, output.slice(shown));
        shown = output.length;
      }
      if (TERMINAL.has(run.state)) return this.result(run, output);
      // A remote run that works quietly (a long task in a container) is alive: the stale sweeper must
      // not take it. Said every ALIVE_EVERY_MS rather than at every poll.
      if (Date.now() - lastAlive > ALIVE_EVERY_MS) {
        lastAlive = Date.now();
        await input.onStarted({});
      }
      await sleep(this.pollIntervalMs, input.signal);
    }
  }

  private result(run: RemoteRun, output: string): RunnerResult {
    const message = run.status_message?.message ?? '';
    if (run.state === 'CANCELLED') throw new RunFailure('The run was cancelled on the control plane');
    if (run.state === 'FAILED') throw new RunFailure(message || 'The run failed on the control plane without saying why');
    return { text: output || message || 'Done.', artifacts: (run.artifacts ?? []).map(toArtifact).filter((a): a is NewArtifact => a !== null) };
  }
}

function toArtifact(item: { artifact_type: string; data?: Record<string, unknown> }): NewArtifact | null {
  const data = item.data ?? {};
  if (item.artifact_type === 'PULL_REQUEST' && typeof data['url'] === 'string') {
    return { type: 'pr', title: typeof data['branch'] === 'string' && data['branch'] ? String(data['branch']) : String(data['url']), url: String(data['url']) };
  }
  if (item.artifact_type === 'PLAN') {
    return { type: 'plan', title: typeof data['title'] === 'string' ? data['title'] : 'Plan', content: `document:${String(data['document_uid'] ?? '')}` };
  }
  return null;
}

function describe(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `${status} ${message}` : message;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
