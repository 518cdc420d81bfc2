import type { AgentSummary } from '@oz/workspace-contract';

export interface AgentRow {
  id: string;
  user_id: string;
  name: string;
  color: string;
  icon: string;
  harness: string;
  model: string | null;
  environment_id: string | null;
  system_prompt: string;
  repo_url: string | null;
  skills: string[];
  mcp_servers: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface AgentView extends Omit<AgentRow, 'user_id' | 'created_at' | 'updated_at'> {
  /** Rooms where this agent is replying right now. */
  running_in_room_ids: string[];
  created_at: string;
  updated_at: string;
}

export const agentSummary = (row: { id: string; name: string; color: string; icon: string }): AgentSummary => ({
  id: row.id,
  name: row.name,
  color: row.color,
  icon: row.icon,
});

export function agentView(row: AgentRow, runningIn: string[]): AgentView {
  return {
    id: row.id,
    name: row.name,
    color: row.color,
    icon: row.icon,
    harness: row.harness,
    model: row.model,
    environment_id: row.environment_id,
    system_prompt: row.system_prompt,
    repo_url: row.repo_url,
    skills: row.skills,
    mcp_servers: row.mcp_servers,
    running_in_room_ids: runningIn,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
