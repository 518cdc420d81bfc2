import { Injectable } from '@nestjs/common';
import type { ConnectedWorker } from '@oz/contract';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';

/** Presence: which worker connections each replica has (`worker_connections`), for every replica to list. */
@Injectable()
export class WorkerConnectionsRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  async opened(connectionId: string, workerId: string, replica: string, maxConcurrentTasks: number | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO worker_connections (id, worker_id, replica, max_concurrent_tasks) VALUES ($1, $2, $3, $4)`,
      [connectionId, workerId, replica, maxConcurrentTasks],
    );
  }

  async seen(connectionIds: string[]): Promise<void> {
    if (!connectionIds.length) return;
    await this.pool.query(`UPDATE worker_connections SET last_seen_at = now() WHERE id = ANY($1::uuid[])`, [connectionIds]);
  }

  async closed(connectionId: string): Promise<void> {
    await this.pool.query(`DELETE FROM worker_connections WHERE id = $1`, [connectionId]);
  }

  /** Workers seen within `freshMs` on any replica (a replica that died leaves rows that go stale). */
  async connectedWorkers(freshMs: number): Promise<ConnectedWorker[]> {
    const { rows } = await this.pool.query<{ worker_id: string; connections: number; connected_at: Date; last_seen_at: Date }>(
      `SELECT worker_id, count(*)::integer AS connections, min(connected_at) AS connected_at, max(last_seen_at) AS last_seen_at
       FROM worker_connections WHERE last_seen_at > now() - make_interval(secs => $1 / 1000.0)
       GROUP BY worker_id ORDER BY worker_id`,
      [freshMs],
    );
    return rows.map((row) => ({
      worker_id: row.worker_id,
      connections: row.connections,
      connected_at: row.connected_at.toISOString(),
      last_seen_at: row.last_seen_at.toISOString(),
    }));
  }
}
