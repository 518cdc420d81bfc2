import { Injectable } from '@nestjs/common';
import type { MessagePage, MessageStatus, MessageView } from '@oz/workspace-contract';
import { Sql } from '../core/sql';

interface MessageRow {
  id: string;
  seq: string;
  room_id: string;
  author_type: 'human' | 'agent';
  author_agent_id: string | null;
  agent_name: string | null;
  agent_color: string | null;
  agent_icon: string | null;
  run_id: string | null;
  content: string;
  status: MessageStatus;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT m.*, a.name AS agent_name, a.color AS agent_color, a.icon AS agent_icon
                  FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id`;

function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    room_id: row.room_id,
    author_type: row.author_type,
    agent:
      row.author_agent_id && row.agent_name !== null
        ? { id: row.author_agent_id, name: row.agent_name, color: row.agent_color ?? '', icon: row.agent_icon ?? '' }
        : null,
    content: row.content,
    status: row.status,
    run_id: row.run_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

@Injectable()
export class MessagesRepository {
  constructor(private readonly db: Sql) {}

  async insertHuman(roomId: string, content: string): Promise<MessageView> {
    const { id } = await this.db.one<{ id: string }>(`INSERT INTO messages (room_id, author_type, content) VALUES ($1, 'human', $2) RETURNING id`, [roomId, content]);
    return this.written(id);
  }

  /** A message an agent posts while it works (not its reply); `runId`: the run that posted it, if known. */
  async insertAgent(roomId: string, agentId: string, runId: string | null, content: string): Promise<MessageView> {
    const { id } = await this.db.one<{ id: string }>(
      `INSERT INTO messages (room_id, author_type, author_agent_id, run_id, content) VALUES ($1, 'agent', $2, $3, $4) RETURNING id`,
      [roomId, agentId, runId, content],
    );
    return this.written(id);
  }

  /** The empty reply an agent streams into; its id is known before the run starts. */
  async insertReplyPlaceholder(id: string, roomId: string, agentId: string, runId: string): Promise<MessageView> {
    await this.db.affected(
      `INSERT INTO messages (id, room_id, author_type, author_agent_id, run_id, content, status) VALUES ($1, $2, 'agent', $3, $4, '', 'streaming')`,
      [id, roomId, agentId, runId],
    );
    return this.written(id);
  }

  async finish(id: string, content: string, status: MessageStatus): Promise<MessageView | null> {
    await this.db.affected(`UPDATE messages SET content = $2, status = $3, updated_at = now() WHERE id = $1`, [id, content, status]);
    return this.byId(id);
  }

  async byId(id: string): Promise<MessageView | null> {
    const row = await this.db.row<MessageRow>(`${SELECT} WHERE m.id = $1`, [id]);
    return row ? messageView(row) : null;
  }

  /** A message this replica has just written. */
  private async written(id: string): Promise<MessageView> {
    return messageView(await this.db.one<MessageRow>(`${SELECT} WHERE m.id = $1`, [id]));
  }

  /** A page of history, oldest first, ending just before `beforeSeq` (or at the newest message). */
  async page(roomId: string, beforeSeq: string | null, limit: number): Promise<MessagePage> {
    const rows = await this.db.rows<MessageRow>(
      `${SELECT} WHERE m.room_id = $1 AND ($2::bigint IS NULL OR m.seq < $2::bigint) ORDER BY m.seq DESC LIMIT $3`,
      [roomId, beforeSeq, limit + 1],
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    return { items: page.map(messageView), next_cursor: more && page.length ? page[0].seq : null };
  }

  /** The messages before `beforeMessageId` (exclusive), oldest first: an agent's view of the conversation. */
  async recent(roomId: string, beforeMessageId: string | null, limit: number): Promise<MessageView[]> {
    if (limit === 0) return [];
    const rows = await this.db.rows<MessageRow>(
      `${SELECT} WHERE m.room_id = $1 AND m.status <> 'streaming'
          AND ($2::uuid IS NULL OR m.seq < (SELECT seq FROM messages WHERE id = $2))
        ORDER BY m.seq DESC LIMIT $3`,
      [roomId, beforeMessageId, limit],
    );
    return rows.reverse().map(messageView);
  }
}
