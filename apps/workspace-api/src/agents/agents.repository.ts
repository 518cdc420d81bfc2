import { Injectable } from '@nestjs/common';
import { isUuid } from '@oz/server-kit';
import { Sql } from '../core/sql';
import type { AgentRow } from './agent.view';

const COLUMNS = ['name', 'color', 'icon', 'harness', 'model', 'environment_id', 'system_prompt', 'repo_url', 'skills', 'mcp_servers', 'secrets'] as const;
export type AgentFields = Partial<Pick<AgentRow, (typeof COLUMNS)[number]>>;

@Injectable()
export class AgentsRepository {
  constructor(private readonly db: Sql) {}

  list(userId: string): Promise<AgentRow[]> {
    return this.db.rows(`SELECT * FROM agents WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  }

  async byId(id: string): Promise<AgentRow | null> {
    if (!isUuid(id)) return null;
    return this.db.row(`SELECT * FROM agents WHERE id = $1`, [id]);
  }

  /** `id` is chosen by the caller: an agent's secrets are sealed for its id before the row exists. */
  async create(id: string, userId: string, fields: Required<Pick<AgentRow, 'name' | 'color' | 'icon' | 'harness'>> & AgentFields): Promise<AgentRow> {
    const { names, values } = columnsOf(fields);
    return this.db.one<AgentRow>(
      `INSERT INTO agents (id, user_id, ${names.join(', ')}) VALUES ($1, $2, ${names.map((_, i) => `$${i + 3}`).join(', ')}) RETURNING *`,
      [id, userId, ...values],
    );
  }

  /** Agents whose secrets are not sealed (written before they were, or without a key), a page at a time. */
  unsealed(afterId: string | null, limit: number): Promise<AgentRow[]> {
    return this.db.rows(`SELECT * FROM agents WHERE secrets IS NULL AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`, [afterId, limit]);
  }

  /** Seals a row's secrets, unless it changed since it was read; false then. */
  async sealUnchanged(row: AgentRow, fields: Pick<AgentRow, 'repo_url' | 'mcp_servers' | 'secrets'>): Promise<boolean> {
    return (
      (await this.db.affected(
        `UPDATE agents SET repo_url = $2, mcp_servers = $3, secrets = $4
          WHERE id = $1 AND secrets IS NULL AND repo_url IS NOT DISTINCT FROM $5 AND mcp_servers = $6::jsonb`,
        [row.id, fields.repo_url, JSON.stringify(fields.mcp_servers), fields.secrets, row.repo_url, JSON.stringify(row.mcp_servers)],
      )) > 0
    );
  }

  /** Null when the agent is gone. */
  async update(id: string, fields: AgentFields): Promise<AgentRow | null> {
    const { names, values } = columnsOf(fields);
    const sets = names.map((c, i) => `${c} = $${i + 2}`);
    return this.db.row(`UPDATE agents SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`, [id, ...values]);
  }

  /** Deletes the agent; returns the rooms it was in (they change), or null when it was already gone. */
  delete(id: string): Promise<string[] | null> {
    return this.db.transaction(async (tx) => {
      const rooms = await tx.rows<{ room_id: string }>(`SELECT room_id FROM room_agents WHERE agent_id = $1`, [id]);
      const deleted = await tx.affected(`DELETE FROM agents WHERE id = $1`, [id]);
      return deleted ? rooms.map((r) => r.room_id) : null;
    });
  }
}

/** The columns given (undefined means "leave as is"), with JSON columns serialised. */
function columnsOf(fields: AgentFields): { names: string[]; values: unknown[] } {
  const names = COLUMNS.filter((c) => fields[c] !== undefined);
  return { names, values: names.map((c) => (c === 'skills' || c === 'mcp_servers' ? JSON.stringify(fields[c]) : fields[c])) };
}
