import { Logger } from '@nestjs/common';
import { type AgentRunParams, type ArtifactItem, isArtifactItem, isTerminalRunState, type McpServerConfig, type RunItem } from '@oz/contract';
import { redactUrlCredentials, sleep } from '@oz/server-kit';
import OzAPI from 'oz-agent-sdk';
import type { AgentRow } from '../agents/agent.view';
import type { NewArtifact } from '../artifacts/artifacts.repository';
import type { WorkspaceConfig } from '../config/workspace.config';
import { AgentRunner, RunCancelled, RunFailure, type RunnerInput, type RunnerResult } from './agent-runner';
import { harnessConfig } from './run-config';

type RemoteSettings = Extract<WorkspaceConfig['runner'], { mode: 'remote' }>;

/** How long cancelling a remote run may take before the invocation ends anyway (the control plane's lease ends it later). */
const CANCEL_TIMEOUT_MS = 10_000;

/** Does `work` with the bearer token of `userId`'s own control-plane tenant (see ControlPlaneAccess.asRunOwner). */
export type OwnerCredentials = <T>(userId: string, work: (token: string) => Promise<T>) => Promise<T>;

/**
 * `OZ_RUNNER_MODE=remote`: each invocation is a run on an Oz control plane, created and followed
 * through the official oz-agent-sdk. The agent's harness and model go into `config` as any client
 * puts them (run-config.ts); an agent with an environment runs in a worker's task container, which
 * gets the run's room callback (`task_env`: OZ_ROOM_API_URL, OZ_ROOM_TOKEN). The run's growing
 * `output` is streamed into the room; its artifacts (pull requests, plans) are saved to the room at
 * the end. Stopping the invocation cancels the remote run.
 */
export class RemoteRunner extends AgentRunner {
  readonly mode = 'remote';
  private readonly logger = new Logger('remote-runner');
  private readonly client: OzAPI;

  /**
   * `asOwner`: runs a call with the bearer token of a user's own control-plane tenant (their agents'
   * runs are theirs: on their runs page, in their environments only). Without it every run is the
   * workspace's, made with OZ_API_KEY.
   */
  constructor(
    private readonly settings: RemoteSettings,
    private readonly asOwner?: OwnerCredentials,
  ) {
    super();
    this.client = this.clientFor(settings.apiKey);
  }

  private clientFor(apiKey: string): OzAPI {
    return new OzAPI({ apiKey, baseURL: this.settings.apiBaseUrl, maxRetries: 3 });
  }

  runsInContainer(agent: AgentRow): boolean {
    return this.environmentOf(agent) !== null;
  }

  private environmentOf(agent: AgentRow): string | null {
    return agent.environment_id ?? this.settings.environmentId;
  }

  async run(input: RunnerInput): Promise<RunnerResult> {
    const environmentId = this.environmentOf(input.agent);
    const params: AgentRunParams = {
      prompt: `${input.system}\n\n${input.prompt}`,
      title: `${input.agent.name} in the workspace`,
      config: {
        name: input.agent.name,
        ...harnessConfig(input.agent),
        ...(environmentId ? { environment_id: environmentId } : {}),
        // Sealed by the control plane, given only to the run's task container.
        ...(environmentId && input.callback ? { task_env: { OZ_ROOM_API_URL: input.callback.apiUrl, OZ_ROOM_TOKEN: input.callback.token } } : {}),
        // With their secrets: the control plane keeps them sealed in turn and hands them only to the run.
        ...(Object.keys(input.agent.mcp_servers).length ? { mcp_servers: input.agent.mcp_servers as Record<string, McpServerConfig> } : {}),
      },
    };
    let client = this.client;
    let created: { run_id: string };
    try {
      // The run id doubles as an idempotency key: an SDK retry cannot start the run twice.
      const create = (sdk: OzAPI) => sdk.agent.run(params as Parameters<OzAPI['agent']['run']>[0], { signal: input.signal, headers: { 'Idempotency-Key': input.runId } });
      // The agent's owner is the room's: the run is made as their own tenant.
      created = this.asOwner ? await this.asOwner(input.agent.user_id, (token) => create((client = this.clientFor(token)))) : await create(client);
    } catch (error) {
      if (input.signal.aborted) throw new RunCancelled('cancelled');
      throw new RunFailure(`The control plane refused the run: ${describe(error)}`);
    }
    await input.started({ remoteRunId: created.run_id, provider: 'control-plane' });

    let shown = 0;
    let lastHeartbeat = Date.now();
    for (;;) {
      if (input.signal.aborted) {
        // Bounded: a replica shutting down (or a user waiting on Stop) must not hang on the control plane.
        await client.agent.runs
          .cancel(created.run_id, { timeout: CANCEL_TIMEOUT_MS, maxRetries: 1 })
          .catch((error) => this.logger.warn({ err: error, remoteRunId: created.run_id }, 'remote.cancel_failed'));
        throw new RunCancelled('cancelled');
      }
      let run: RunItem;
      try {
        // The control plane answers with the contract's RunItem, `output` (the answer so far) included.
        run = (await client.agent.runs.retrieve(created.run_id, { signal: input.signal })) as unknown as RunItem;
      } catch (error) {
        if (input.signal.aborted) continue;
        this.logger.warn({ err: error, remoteRunId: created.run_id }, 'remote.poll_failed');
        await sleep(this.settings.pollIntervalMs, input.signal);
        continue;
      }
      const output = run.output ?? '';
      if (output.length > shown) {
        input.onText(shown, output.slice(shown));
        shown = output.length;
      }
      if (isTerminalRunState(run.state)) return result(run, output);
      // A remote run that works quietly (a long task in a container) is alive while it answers polls.
      if (Date.now() - lastHeartbeat > input.heartbeatEveryMs) {
        lastHeartbeat = Date.now();
        await input.heartbeat();
      }
      await sleep(this.settings.pollIntervalMs, input.signal);
    }
  }
}

function result(run: RunItem, output: string): RunnerResult {
  const message = run.status_message?.message ?? '';
  if (run.state === 'CANCELLED') throw new RunFailure('The run was cancelled on the control plane');
  if (run.state === 'FAILED') throw new RunFailure(message || 'The run failed on the control plane without saying why');
  // Only well-formed artifacts are kept, whatever a control plane sends.
  const artifacts: unknown[] = run.artifacts ?? [];
  return { text: output || message || 'Done.', artifacts: artifacts.filter(isArtifactItem).map(roomArtifact) };
}

/** A run's artifact as the room keeps it: a pull request by its URL, a plan by its document. */
function roomArtifact(item: ArtifactItem): NewArtifact {
  if (item.artifact_type === 'PULL_REQUEST') return { type: 'pr', title: item.data.branch || item.data.url, url: item.data.url };
  return { type: 'plan', title: item.data.title ?? 'Plan', content: `document:${item.data.document_uid}` };
}

/** Shown in the room: the control plane's words, with any URL credentials it echoed taken out. */
function describe(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = redactUrlCredentials(error instanceof Error ? error.message : String(error));
  return status ? `${status} ${message}` : message;
}
