export type AgentRunState = 'QUEUED' | 'INPROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const ACTIVE_STATES: AgentRunState[] = ['QUEUED', 'INPROGRESS'];

export interface AgentRunRow {
  id: string;
  room_id: string;
  agent_id: string;
  user_id: string;
  parent_run_id: string | null;
  depth: number;
  trigger_message_id: string | null;
  reply_message_id: string;
  state: AgentRunState;
  mode: string;
  remote_run_id: string | null;
  provider: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  last_activity_at: Date;
}

export interface AgentRunView {
  id: string;
  room_id: string;
  agent_id: string;
  parent_run_id: string | null;
  depth: number;
  reply_message_id: string;
  state: AgentRunState;
  mode: string;
  remote_run_id: string | null;
  provider: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export function agentRunView(row: AgentRunRow): AgentRunView {
  return {
    id: row.id,
    room_id: row.room_id,
    agent_id: row.agent_id,
    parent_run_id: row.parent_run_id,
    depth: row.depth,
    reply_message_id: row.reply_message_id,
    state: row.state,
    mode: row.mode,
    remote_run_id: row.remote_run_id,
    provider: row.provider,
    error: row.error,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
  };
}
