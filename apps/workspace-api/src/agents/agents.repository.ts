import { Injectable } from '@nestjs/common';
import { isUuid } from '@oz/server-kit';
import { Sql } from '../core/sql';
import type { AgentRow } from './agent.view';

const COLUMNS = ['name', 'color', 'icon', 'harness', 'model', 'environment_id', 'system_prompt', 'repo_url', 'skills', 'mcp_servers'] as const;
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

  async create(userId: string, fields: Required<Pick<AgentRow, 'name' | 'color' | 'icon' | 'harness'>> & AgentFields): Promise<AgentRow> {
    const { names, values } = columnsOf(fields);
    return this.db.one<AgentRow>(
      `INSERT INTO agents (user_id, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING *`,
      [userId, ...values],
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
