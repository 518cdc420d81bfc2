import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';

export interface RunLogLine {
  id: number;
  line: string;
  loggedAt: Date;
}

/** The log lines workers send for their runs (`run_logs`), oldest first, capped per run. */
@Injectable()
export class RunLogsRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  /**
   * Appends lines to a run `workerId` holds (in `executionId`, when the worker names one), and drops
   * the oldest beyond `maxLines`. `cursor` is where the lines end in the container's log: kept on the
   * run, so a restarted worker that adopts the task reads on from there.
   */
  async append(id: string, workerId: string, executionId: string | null, lines: string[], cursor: string | null, maxLines: number): Promise<void> {
    if (!lines.length) return;
    await this.pool.query(
      `WITH owned AS (
              UPDATE runs SET log_cursor = coalesce($5, log_cursor)
              WHERE id = $1 AND worker_id = $2 AND ($4::text IS NULL OR execution_id::text = $4::text)
              RETURNING id),
            added AS (INSERT INTO run_logs (run_id, line) SELECT owned.id, line FROM owned, unnest($3::text[]) WITH ORDINALITY AS l(line, n) ORDER BY n RETURNING id)
       SELECT count(*) FROM added`,
      [id, workerId, lines, executionId, cursor],
    );
    await this.pool.query(
      `DELETE FROM run_logs WHERE run_id = $1 AND id <= (SELECT id FROM run_logs WHERE run_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, maxLines],
    );
  }

  /**
   * Lines the task sent itself (the sidecar's log reports), for a run its token still holds, kept only
   * when its worker does not stream the log itself (the official worker): with ours the same lines
   * arrive through the worker, and are not stored twice. Drops the oldest beyond `maxLines`.
   */
  async appendFromTask(id: string, tokenHash: string, lines: string[], heldStates: readonly string[], maxLines: number): Promise<void> {
    if (!lines.length) return;
    const { rows } = await this.pool.query<{ added: string }>(
      `WITH run AS (SELECT id FROM runs WHERE id = $1 AND task_token_hash = $2 AND state = ANY($4) AND NOT lease_reported),
            added AS (INSERT INTO run_logs (run_id, line) SELECT run.id, l.line FROM run, unnest($3::text[]) WITH ORDINALITY AS l(line, n) ORDER BY n RETURNING id)
       SELECT count(*) AS added FROM added`,
      [id, tokenHash, lines, heldStates],
    );
    if (Number(rows[0]?.added ?? 0) === 0) return;
    await this.pool.query(
      `DELETE FROM run_logs WHERE run_id = $1 AND id <= (SELECT id FROM run_logs WHERE run_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, maxLines],
    );
  }

  async page(id: string, afterId: number, limit: number): Promise<RunLogLine[]> {
    const { rows } = await this.pool.query<{ id: string; line: string; logged_at: Date }>(
      `SELECT id, line, logged_at FROM run_logs WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [id, afterId, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), line: row.line, loggedAt: row.logged_at }));
  }

  async tail(id: string, lines: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ line: string }>(
      `SELECT line FROM (SELECT id, line FROM run_logs WHERE run_id = $1 ORDER BY id DESC LIMIT $2) t ORDER BY id`,
      [id, lines],
    );
    return rows.map((row) => row.line);
  }
}
