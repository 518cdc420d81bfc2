import { redactUrlCredentials } from '@oz/server-kit';
import type { AgentView } from '@oz/workspace-contract';
import { redactedServers } from './agent-secrets';

/**
 * An agent as stored: the fields of its view, its owner, real dates, and no derived
 * `running_in_room_ids`. `repo_url` and `mcp_servers` hold the redacted forms; the real values are
 * sealed in `secrets` (agent-secrets.ts).
 */
export interface AgentRow extends Omit<AgentView, 'running_in_room_ids' | 'created_at' | 'updated_at'> {
  user_id: string;
  /** Sealed AgentSecrets (JSON), or null when the agent has none. Never shown. */
  secrets: string | null;
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
    // Redacted again whatever is stored: a row written before secrets were sealed shows nothing either.
    repo_url: row.repo_url === null ? null : redactUrlCredentials(row.repo_url),
    skills: row.skills,
    mcp_servers: redactedServers(row.mcp_servers),
    running_in_room_ids: runningIn,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
