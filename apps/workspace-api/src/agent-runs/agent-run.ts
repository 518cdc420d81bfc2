import type { AgentRunView } from '@oz/workspace-contract';

/** One agent's reply in a room, as stored: the fields of its view, its owner and trigger, real dates. */
export interface AgentRun extends Omit<AgentRunView, 'created_at' | 'started_at' | 'completed_at'> {
  user_id: string;
  trigger_message_id: string | null;
  /** The person's message the chain of replies started from: what the runs-per-message cap counts. */
  root_message_id: string | null;
  /** Never started (a cap was reached); kept only to tell the room why. */
  refused: boolean;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  /** The run's last heartbeat: a save of its text, a provider attempt, a wait for a slot, a remote run still working. */
  last_activity_at: Date;
  /** The sha256 of its room callback token (RunCallbacks); null when it was given none. Never shown. */
  callback_token_sha256: Buffer | null;
  /** Writes made with that token so far. */
  callback_writes: number;
}

export function agentRunView(run: AgentRun): AgentRunView {
  return {
    id: run.id,
    room_id: run.room_id,
    agent_id: run.agent_id,
    parent_run_id: run.parent_run_id,
    depth: run.depth,
    reply_message_id: run.reply_message_id,
    state: run.state,
    mode: run.mode,
    remote_run_id: run.remote_run_id,
    provider: run.provider,
    error: run.error,
    created_at: run.created_at.toISOString(),
    started_at: run.started_at?.toISOString() ?? null,
    completed_at: run.completed_at?.toISOString() ?? null,
  };
}
