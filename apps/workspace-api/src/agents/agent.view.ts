import type { AgentView } from '@oz/workspace-contract';

/** An agent as stored: the fields of its view, its owner, real dates, and no derived `running_in_room_ids`. */
export interface AgentRow extends Omit<AgentView, 'running_in_room_ids' | 'created_at' | 'updated_at'> {
  user_id: string;
  created_at: Date;
  updated_at: Date;
}

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
