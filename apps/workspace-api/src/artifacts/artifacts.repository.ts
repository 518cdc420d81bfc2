import { Injectable } from '@nestjs/common';
import type { ArtifactView } from '@oz/workspace-contract';
import { isUuid } from '@oz/server-kit';
import { Sql } from '../core/sql';

interface ArtifactRow {
  id: string;
  room_id: string;
  type: string;
  title: string;
  content: string;
  url: string | null;
  agent_id: string | null;
  agent_name: string | null;
  agent_color: string | null;
  agent_icon: string | null;
  run_id: string | null;
  created_at: Date;
}

/** An artifact to add to a room: by a person, or from a run's result (then with its agent and run). */
export interface NewArtifact {
  type: string;
  title: string;
  content?: string;
  url?: string | null;
  agentId?: string | null;
  runId?: string | null;
}

const SELECT = `SELECT x.*, a.name AS agent_name, a.color AS agent_color, a.icon AS agent_icon FROM artifacts x LEFT JOIN agents a ON a.id = x.agent_id`;

function artifactView(row: ArtifactRow): ArtifactView {
  return {
    id: row.id,
    room_id: row.room_id,
    type: row.type,
    title: row.title,
    content: row.content,
    url: row.url,
    agent: row.agent_id && row.agent_name !== null ? { id: row.agent_id, name: row.agent_name, color: row.agent_color ?? '', icon: row.agent_icon ?? '' } : null,
    run_id: row.run_id,
    created_at: row.created_at.toISOString(),
  };
}

@Injectable()
export class ArtifactsRepository {
  constructor(private readonly db: Sql) {}

  async list(roomId: string): Promise<ArtifactView[]> {
    return (await this.db.rows<ArtifactRow>(`${SELECT} WHERE x.room_id = $1 ORDER BY x.created_at DESC, x.id`, [roomId])).map(artifactView);
  }

  async byId(id: string): Promise<ArtifactView | null> {
    if (!isUuid(id)) return null;
    const row = await this.db.row<ArtifactRow>(`${SELECT} WHERE x.id = $1`, [id]);
    return row ? artifactView(row) : null;
  }

  /** Null when the room already has this artifact (same type and URL): a run reporting its PR twice. */
  async create(roomId: string, input: NewArtifact): Promise<ArtifactView | null> {
    const row = await this.db.row<{ id: string }>(
      `INSERT INTO artifacts (room_id, type, title, content, url, agent_id, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (room_id, type, url) WHERE url IS NOT NULL DO NOTHING RETURNING id`,
      [roomId, input.type, input.title, input.content ?? '', input.url ?? null, input.agentId ?? null, input.runId ?? null],
    );
    if (!row) return null;
    return artifactView(await this.db.one<ArtifactRow>(`${SELECT} WHERE x.id = $1`, [row.id]));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.affected(`DELETE FROM artifacts WHERE id = $1`, [id])) > 0;
  }
}
