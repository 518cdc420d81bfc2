import { sleep } from '@oz/server-kit';
import type { RoomCallback } from '../agent-runs/run-callbacks';
import type { AgentRow } from '../agents/agent.view';
import type { NewArtifact } from '../artifacts/artifacts.repository';

export interface RunnerInput {
  runId: string;
  agent: AgentRow;
  /** Who the agent is and how to behave. */
  system: string;
  /** The room context and the request. */
  prompt: string;
  /** For a run in a task container: the URL and token with which it posts to its room (null: none). */
  callback: RoomCallback | null;
  signal: AbortSignal;
  /** The work has really started: which provider answers, or which control-plane run does the work. */
  started(details: { provider?: string; remoteRunId?: string }): Promise<void>;
  /**
   * The run is alive though it writes no text (waiting for a provider slot, a remote run working
   * quietly): without a heartbeat for OZ_STALE_AGENT_SWEEP_MS the sweeper fails it.
   */
  heartbeat(): Promise<void>;
  /** How often a run that waits or works quietly sends its heartbeat (well within the sweep threshold). */
  heartbeatEveryMs: number;
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

/** Waits `ms` (less when the run is stopped) with a heartbeat at least every `heartbeatEveryMs`: a live wait is not a stale run. */
export async function waitAlive(ms: number, input: RunnerInput): Promise<void> {
  const until = Date.now() + ms;
  while (!input.signal.aborted) {
    await input.heartbeat();
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, input.heartbeatEveryMs), input.signal);
  }
}

/** Runs one agent invocation: `OZ_RUNNER_MODE` picks the implementation (invocation.module.ts). */
export abstract class AgentRunner {
  abstract readonly mode: 'local' | 'remote';
  abstract run(input: RunnerInput): Promise<RunnerResult>;
  /** Whether the agent's runs execute in a worker's task container (which may post to the room itself). */
  abstract runsInContainer(agent: AgentRow): boolean;
}
