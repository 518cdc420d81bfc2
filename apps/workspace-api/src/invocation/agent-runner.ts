import type { AgentRow } from '../agents/agent.view';
import type { NewArtifact } from '../artifacts/artifacts.repository';

export interface RunnerInput {
  runId: string;
  agent: AgentRow;
  /** Who the agent is and how to behave. */
  system: string;
  /** The room context and the request. */
  prompt: string;
  signal: AbortSignal;
  /**
   * Told when the work has really started (which provider, or which control-plane run), and again,
   * without details, while it waits or works without producing text: each call counts as activity.
   */
  onStarted(details: { provider?: string; remoteRunId?: string }): Promise<void>;
  /**
   * The reply's text from `offset` on (characters) is now `text`: appended normally, rewritten from 0
   * when a provider failed midway and another one starts over.
   */
  onText(offset: number, text: string): void;
}

export interface RunnerResult {
  text: string;
  artifacts: NewArtifact[];
}

/** A run that ended without an answer; `message` is shown in the room, so it says why in plain words. */
export class RunFailure extends Error {}
/** The run was stopped (cancel, pause, callback) while the runner worked. */
export class RunCancelled extends Error {}

/** Runs one agent invocation: `OZ_RUNNER_MODE` picks the implementation. */
export abstract class AgentRunner {
  abstract readonly mode: string;
  abstract run(input: RunnerInput): Promise<RunnerResult>;
}
