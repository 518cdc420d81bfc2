import { Injectable } from '@nestjs/common';
import { isUuid } from '@oz/server-kit';
import { Sql, type SqlRunner } from '../core/sql';
import type { RoomAgentRow, RoomRow } from './room.view';

@Injectable()
export class RoomsRepository {
  constructor(private readonly db: Sql) {}

  list(userId: string): Promise<RoomRow[]> {
    return this.db.rows(`SELECT * FROM rooms WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  }

  async byId(roomId: string): Promise<RoomRow | null> {
    if (!isUuid(roomId)) return null;
    return this.db.row(`SELECT * FROM rooms WHERE id = $1`, [roomId]);
  }

  async byShareId(shareId: string): Promise<RoomRow | null> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(shareId)) return null;
    return this.db.row(`SELECT * FROM rooms WHERE share_id = $1`, [shareId]);
  }

  /** Which of `agentIds` are agents of `userId` (the only ones that may join that user's rooms). */
  async agentIdsOf(userId: string, agentIds: string[]): Promise<Set<string>> {
    const valid = agentIds.filter(isUuid);
    if (!valid.length) return new Set();
    const rows = await this.db.rows<{ id: string }>(`SELECT id FROM agents WHERE user_id = $1 AND id = ANY($2::uuid[])`, [userId, valid]);
    return new Set(rows.map((r) => r.id));
  }

  create(userId: string, name: string, description: string, agentIds: string[]): Promise<RoomRow> {
    return this.db.transaction(async (tx) => {
      const room = await tx.one<RoomRow>(`INSERT INTO rooms (user_id, name, description) VALUES ($1, $2, $3) RETURNING *`, [userId, name, description]);
      await this.addMembers(tx, room.id, agentIds);
      return room;
    });
  }

  /** Changes the given fields and, with `agentIds`, replaces the members; null when the room is gone. */
  update(roomId: string, fields: { name?: string; description?: string }, agentIds?: string[]): Promise<RoomRow | null> {
    return this.db.transaction(async (tx) => {
      const room = await tx.row<RoomRow>(
        `UPDATE rooms SET name = coalesce($2, name), description = coalesce($3, description), updated_at = now() WHERE id = $1 RETURNING *`,
        [roomId, fields.name ?? null, fields.description ?? null],
      );
      if (room && agentIds) {
        await tx.affected(`DELETE FROM room_agents WHERE room_id = $1 AND NOT (agent_id = ANY($2::uuid[]))`, [roomId, agentIds]);
        await this.addMembers(tx, roomId, agentIds);
      }
      return room;
    });
  }

  setPaused(roomId: string, paused: boolean): Promise<RoomRow | null> {
    return this.db.row(`UPDATE rooms SET paused = $2, updated_at = now() WHERE id = $1 RETURNING *`, [roomId, paused]);
  }

  /** Sets the share id unless one exists (sharing twice gives the same link); null revokes. */
  setShare(roomId: string, shareId: string | null): Promise<RoomRow | null> {
    return shareId
      ? this.db.row(
          `UPDATE rooms SET share_id = coalesce(share_id, $2), share_enabled_at = coalesce(share_enabled_at, now()), updated_at = now()
            WHERE id = $1 RETURNING *`,
          [roomId, shareId],
        )
      : this.db.row(`UPDATE rooms SET share_id = NULL, share_enabled_at = NULL, updated_at = now() WHERE id = $1 RETURNING *`, [roomId]);
  }

  async delete(roomId: string): Promise<boolean> {
    return (await this.db.affected(`DELETE FROM rooms WHERE id = $1`, [roomId])) > 0;
  }

  async addMember(roomId: string, agentId: string): Promise<void> {
    await this.addMembers(this.db, roomId, [agentId]);
  }

  async removeMember(roomId: string, agentId: string): Promise<boolean> {
    if (!isUuid(agentId)) return false;
    return (await this.db.affected(`DELETE FROM room_agents WHERE room_id = $1 AND agent_id = $2`, [roomId, agentId])) > 0;
  }

  async hasMember(roomId: string, agentId: string): Promise<boolean> {
    if (!isUuid(agentId)) return false;
    return (await this.db.row(`SELECT 1 FROM room_agents WHERE room_id = $1 AND agent_id = $2`, [roomId, agentId])) !== null;
  }

  /** The rooms an agent is a member of. */
  roomsOfAgent(agentId: string): Promise<RoomRow[]> {
    return this.db.rows(`SELECT r.* FROM rooms r JOIN room_agents ra ON ra.room_id = r.id WHERE ra.agent_id = $1`, [agentId]);
  }

  /**
   * The agents of some rooms with their status in each room: running while a run of theirs is in flight
   * there, error when their last run there failed, else idle.
   */
  agentsOf(roomIds: string[]): Promise<RoomAgentRow[]> {
    if (!roomIds.length) return Promise.resolve([]);
    return this.db.rows(
      `SELECT ra.room_id, a.id, a.name, a.color, a.icon, a.harness, a.system_prompt,
              CASE WHEN last.state IN ('QUEUED', 'INPROGRESS') OR busy.any THEN 'running'
                   WHEN last.state = 'FAILED' THEN 'error' ELSE 'idle' END AS status
         FROM room_agents ra
         JOIN agents a ON a.id = ra.agent_id
         LEFT JOIN LATERAL (SELECT r.state FROM agent_runs r WHERE r.room_id = ra.room_id AND r.agent_id = a.id
                             ORDER BY r.created_at DESC LIMIT 1) last ON true
         LEFT JOIN LATERAL (SELECT true AS any FROM agent_runs r WHERE r.room_id = ra.room_id AND r.agent_id = a.id
                             AND r.state IN ('QUEUED', 'INPROGRESS') LIMIT 1) busy ON true
        WHERE ra.room_id = ANY($1::uuid[])
        ORDER BY ra.added_at, a.name`,
      [roomIds],
    );
  }

  private async addMembers(tx: SqlRunner, roomId: string, agentIds: string[]): Promise<void> {
    if (!agentIds.length) return;
    await tx.affected(`INSERT INTO room_agents (room_id, agent_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [roomId, agentIds]);
  }
}
