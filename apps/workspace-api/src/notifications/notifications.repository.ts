import { Injectable } from '@nestjs/common';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { isUuid } from '@oz/server-kit';
import { AT_MICROS, POSITION, type PageCursor } from '../common/page-cursor';
import { Sql } from '../core/sql';

interface NotificationRow {
  id: string;
  room_id: string;
  room_name: string;
  agent_id: string | null;
  agent_name: string | null;
  agent_color: string | null;
  agent_icon: string | null;
  message: string;
  read_at: Date | null;
  created_at: Date;
}

const SELECT = `SELECT n.*, r.name AS room_name, a.name AS agent_name, a.color AS agent_color, a.icon AS agent_icon
  FROM notifications n JOIN rooms r ON r.id = n.room_id LEFT JOIN agents a ON a.id = n.agent_id`;

function notificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    room_id: row.room_id,
    room_name: row.room_name,
    agent: row.agent_id && row.agent_name !== null ? { id: row.agent_id, name: row.agent_name, color: row.agent_color ?? '', icon: row.agent_icon ?? '' } : null,
    message: row.message,
    read: row.read_at !== null,
    created_at: row.created_at.toISOString(),
  };
}

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: Sql) {}

  /** A page, newest first, from just before `before` (a `next_cursor`: the last item's time and id). */
  async list(userId: string, unreadOnly: boolean, limit: number, before: PageCursor | null = null): Promise<NotificationPage> {
    const rows = await this.db.rows<NotificationRow & { position: string }>(
      `SELECT page.*, ${POSITION('page')} AS position FROM (${SELECT}
         WHERE n.user_id = $1 AND (NOT $2 OR n.read_at IS NULL)
           AND ($4::bigint IS NULL OR (n.created_at, n.id) < (${AT_MICROS('$4')}, $5::uuid))
         ORDER BY n.created_at DESC, n.id DESC LIMIT $3) page
       ORDER BY page.created_at DESC, page.id DESC`,
      [userId, unreadOnly, limit + 1, before?.micros ?? null, before?.id ?? null],
    );
    const count = await this.db.row<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL`, [userId]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(notificationView), unread_count: count?.n ?? 0, next_cursor: rows.length > limit && last ? `${last.position}.${last.id}` : null };
  }

  async create(userId: string, roomId: string, agentId: string | null, message: string): Promise<NotificationView> {
    const { id } = await this.db.one<{ id: string }>(
      `INSERT INTO notifications (user_id, room_id, agent_id, message) VALUES ($1, $2, $3, $4) RETURNING id`,
      [userId, roomId, agentId, message],
    );
    return notificationView(await this.db.one<NotificationRow>(`${SELECT} WHERE n.id = $1`, [id]));
  }

  async byId(id: string): Promise<NotificationView | null> {
    const row = await this.db.row<NotificationRow>(`${SELECT} WHERE n.id = $1`, [id]);
    return row ? notificationView(row) : null;
  }

  /** Whose inbox a notification is in (null when it does not exist). */
  async ownerOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    return (await this.db.row<{ user_id: string }>(`SELECT user_id FROM notifications WHERE id = $1`, [id]))?.user_id ?? null;
  }

  async setRead(id: string, read: boolean): Promise<NotificationView | null> {
    const done = await this.db.affected(`UPDATE notifications SET read_at = CASE WHEN $2 THEN coalesce(read_at, now()) ELSE NULL END WHERE id = $1`, [id, read]);
    return done ? this.byId(id) : null;
  }

  async readAll(userId: string): Promise<number> {
    return this.db.affected(`UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, [userId]);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.affected(`DELETE FROM notifications WHERE id = $1`, [id])) > 0;
  }
}
