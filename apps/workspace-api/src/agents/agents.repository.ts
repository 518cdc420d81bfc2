import { Injectable } from '@nestjs/common';
import { isUuid } from '../common/ids';
import { Sql } from '../common/sql';
import type { AgentRow } from './agent.view';

const COLUMNS = ['name', 'color', 'icon', 'harness', 'model', 'environment_id', 'system_prompt', 'repo_url', 'skills', 'mcp_servers'] as const;
export type AgentFields = Partial<Pick<AgentRow, (typeof COLUMNS)[number]>>;

@Injectable()
export class AgentsRepository {
  constructor(private readonly db: Sql) {}

  list(userId: string): Promise<AgentRow[]> {
    return this.db.rows(`SELECT * FROM agents WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  }

  async owned(userId: string, id: string): Promise<AgentRow | null> {
    if (!isUuid(id)) return null;
    const rows: AgentRow[] = await this.db.rows(`SELECT * FROM agents WHERE id = $1 AND user_id = $2`, [id, userId]);
    return rows[0] ?? null;
  }

  /** Which of `ids` the user owns. */
  async ownedIds(userId: string, ids: string[]): Promise<Set<string>> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return new Set();
    const rows: { id: string }[] = await this.db.rows(`SELECT id FROM agents WHERE user_id = $1 AND id = ANY($2::uuid[])`, [userId, valid]);
    return new Set(rows.map((r) => r.id));
  }

  async create(userId: string, fields: Required<Pick<AgentRow, 'name' | 'color' | 'icon' | 'harness'>> & AgentFields): Promise<AgentRow> {
    const names = COLUMNS.filter((c) => fields[c] !== undefined);
    const values = names.map((c) => (c === 'skills' || c === 'mcp_servers' ? JSON.stringify(fields[c]) : fields[c]));
    const rows: AgentRow[] = await this.db.rows(
      `INSERT INTO agents (user_id, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING *`,
      [userId, ...values],
    );
    return rows[0];
  }

  async update(userId: string, id: string, fields: AgentFields): Promise<AgentRow | null> {
    if (!isUuid(id)) return null;
    const names = COLUMNS.filter((c) => fields[c] !== undefined);
    const values = names.map((c) => (c === 'skills' || c === 'mcp_servers' ? JSON.stringify(fields[c]) : fields[c]));
    const sets = names.map((c, i) => `${c} = $${i + 3}`);
    const rows: AgentRow[] = await this.db.rows(
      `UPDATE agents SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND user_id = $2 RETURNING *`,
      [id, userId, ...values],
    );
    return rows[0] ?? null;
  }

  /** Deletes the agent; returns the rooms it was in (they change) or null when it was not the user's. */
  async delete(userId: string, id: string): Promise<string[] | null> {
    if (!isUuid(id)) return null;
    return this.db.transaction(async (tx) => {
      const rooms: { room_id: string }[] = await tx.rows(
        `SELECT ra.room_id FROM room_agents ra JOIN agents a ON a.id = ra.agent_id WHERE a.id = $1 AND a.user_id = $2`,
        [id, userId],
      );
      const deleted = await tx.affected(`DELETE FROM agents WHERE id = $1 AND user_id = $2`, [id, userId]);
      return deleted ? rooms.map((r) => r.room_id) : null;
    });
  }

  /** Rooms where each of the user's agents has a run in flight. */
  async runningRooms(userId: string): Promise<Map<string, string[]>> {
    const rows: { agent_id: string; room_ids: string[] }[] = await this.db.rows(
      `SELECT agent_id, array_agg(DISTINCT room_id) AS room_ids FROM agent_runs
        WHERE user_id = $1 AND state IN ('QUEUED', 'INPROGRESS') GROUP BY agent_id`,
      [userId],
    );
    return new Map(rows.map((r) => [r.agent_id, r.room_ids]));
  }
}
