import { Injectable } from '@nestjs/common';
import type { TaskPriority, TaskStatus, TaskView } from '@oz/workspace-contract';
import { isUuid } from '@oz/server-kit';
import { Sql, type SqlRunner } from '../core/sql';

interface TaskRow {
  id: string;
  room_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  position: number;
  assignee_agent_id: string | null;
  assignee_name: string | null;
  assignee_color: string | null;
  assignee_icon: string | null;
  creator_agent_id: string | null;
  creator_name: string | null;
  creator_color: string | null;
  creator_icon: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface TaskFields {
  title?: string;
  description?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  assigneeAgentId?: string | null;
}

const SELECT = `SELECT t.*, t.created_by_agent_id AS creator_agent_id,
       asg.name AS assignee_name, asg.color AS assignee_color, asg.icon AS assignee_icon,
       cr.name AS creator_name, cr.color AS creator_color, cr.icon AS creator_icon
  FROM tasks t LEFT JOIN agents asg ON asg.id = t.assignee_agent_id LEFT JOIN agents cr ON cr.id = t.created_by_agent_id`;

function taskView(row: TaskRow): TaskView {
  const summary = (id: string | null, name: string | null, color: string | null, icon: string | null) =>
    id && name !== null ? { id, name, color: color ?? '', icon: icon ?? '' } : null;
  return {
    id: row.id,
    room_id: row.room_id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    position: row.position,
    assignee: summary(row.assignee_agent_id, row.assignee_name, row.assignee_color, row.assignee_icon),
    created_by_agent: summary(row.creator_agent_id, row.creator_name, row.creator_color, row.creator_icon),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Tasks of a room's board. Positions are 0..n-1 within a status column; every move renumbers the
 * columns it touches in one transaction, with the room's tasks locked, so concurrent moves cannot
 * leave two cards in one slot.
 */
@Injectable()
export class TasksRepository {
  constructor(private readonly db: Sql) {}

  async list(roomId: string): Promise<TaskView[]> {
    return (await this.db.rows<TaskRow>(`${SELECT} WHERE t.room_id = $1 ORDER BY t.status, t.position, t.created_at`, [roomId])).map(taskView);
  }

  async byId(id: string): Promise<TaskView | null> {
    if (!isUuid(id)) return null;
    const row = await this.db.row<TaskRow>(`${SELECT} WHERE t.id = $1`, [id]);
    return row ? taskView(row) : null;
  }

  async create(roomId: string, fields: Required<Pick<TaskFields, 'title' | 'status' | 'priority'>> & TaskFields, createdByAgentId: string | null): Promise<TaskView> {
    const id = await this.db.transaction(async (tx) => {
      await this.lockRoom(tx, roomId);
      const row = await tx.one<{ id: string }>(
        `INSERT INTO tasks (room_id, title, description, status, priority, assignee_agent_id, created_by_agent_id, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT count(*) FROM tasks WHERE room_id = $1 AND status = $4)) RETURNING id`,
        [roomId, fields.title, fields.description ?? '', fields.status, fields.priority, fields.assigneeAgentId ?? null, createdByAgentId],
      );
      return row.id;
    });
    return taskView(await this.db.one<TaskRow>(`${SELECT} WHERE t.id = $1`, [id]));
  }

  /** Updates fields and, when `position` or `status` changes, moves the card (to the end of a new column by default). */
  async update(id: string, fields: TaskFields, position: number | undefined): Promise<TaskView | null> {
    const found = await this.db.transaction(async (tx) => {
      // Lock the room first, then read the card: a concurrent move of the same card is seen finished.
      const located = await tx.row<{ room_id: string }>(`SELECT room_id FROM tasks WHERE id = $1`, [id]);
      if (!located) return false;
      await this.lockRoom(tx, located.room_id);
      const current = await tx.row<{ room_id: string; status: TaskStatus; position: number }>(`SELECT room_id, status, position FROM tasks WHERE id = $1`, [id]);
      if (!current) return false;
      await tx.affected(
        `UPDATE tasks SET title = coalesce($2, title), description = coalesce($3, description), priority = coalesce($4, priority),
                assignee_agent_id = CASE WHEN $5 THEN $6::uuid ELSE assignee_agent_id END, updated_at = now() WHERE id = $1`,
        [id, fields.title ?? null, fields.description ?? null, fields.priority ?? null, fields.assigneeAgentId !== undefined, fields.assigneeAgentId ?? null],
      );
      const status = fields.status ?? current.status;
      if (status !== current.status || position !== undefined) {
        const ids = (await tx.rows<{ id: string }>(`SELECT id FROM tasks WHERE room_id = $1 AND status = $2 AND id <> $3 ORDER BY position, created_at`, [current.room_id, status, id])).map((r) => r.id);
        ids.splice(Math.min(position ?? ids.length, ids.length), 0, id);
        await tx.affected(`UPDATE tasks SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
        await this.renumber(tx, ids);
        if (status !== current.status) await this.compact(tx, current.room_id, current.status);
      }
      return true;
    });
    return found ? this.byId(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const located = await tx.row<{ room_id: string }>(`SELECT room_id FROM tasks WHERE id = $1`, [id]);
      if (!located) return false;
      await this.lockRoom(tx, located.room_id);
      const row = await tx.row<{ room_id: string; status: TaskStatus }>(`DELETE FROM tasks WHERE id = $1 RETURNING room_id, status`, [id]);
      if (row) await this.compact(tx, row.room_id, row.status);
      return row !== null;
    });
  }

  private async lockRoom(tx: SqlRunner, roomId: string): Promise<void> {
    await tx.rows(`SELECT id FROM rooms WHERE id = $1 FOR UPDATE`, [roomId]);
  }

  private async compact(tx: SqlRunner, roomId: string, status: TaskStatus): Promise<void> {
    const ids = (await tx.rows<{ id: string }>(`SELECT id FROM tasks WHERE room_id = $1 AND status = $2 ORDER BY position, created_at`, [roomId, status])).map((r) => r.id);
    await this.renumber(tx, ids);
  }

  private async renumber(tx: SqlRunner, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await tx.affected(
      `UPDATE tasks SET position = o.ord - 1 FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE tasks.id = o.id AND tasks.position <> o.ord - 1`,
      [ids],
    );
  }
}
