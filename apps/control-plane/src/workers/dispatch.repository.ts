import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AmbientAgentConfig, ArtifactItem, ConnectedWorker, RunState } from '@oz/contract';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { pgPool } from '@oz/server-kit';
import { statesThatCanMoveTo } from '../runs/run-state';

/** A worker run as the dispatcher claimed it for a connection. */
export interface DispatchedRun {
  id: string;
  title: string;
  prompt: string;
  environmentId: string;
  agentConfig: AmbientAgentConfig;
  workerId: string;
  team: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** States of a run that is out with a worker. */
const WITH_WORKER: RunState[] = ['PENDING', 'CLAIMED', 'INPROGRESS'];
const from = (to: RunState) => statesThatCanMoveTo(to).filter((state) => WITH_WORKER.includes(state));

/**
 * The dispatcher's SQL. A run is assigned by stamping it with the worker and a claim deadline; every
 * later write names the worker the run went to, so a message from another worker, a late duplicate or
 * a message about a finished run changes nothing.
 */
@Injectable()
export class DispatchRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = pgPool(dataSource);
  }

  /**
   * Takes the oldest PENDING run that one of `workerIds` may run (its `worker_host`, if any, among
   * them) and no one holds; stamps it with the worker (`worker_host`, else `preferred`).
   */
  async claimNext(replica: string, workerIds: string[], preferred: string, claimTimeoutMs: number, taskTokenHash: string): Promise<DispatchedRun | null> {
    const { rows } = await this.pool.query<{
      id: string;
      title: string;
      prompt: string;
      environment_id: string;
      agent_config: AmbientAgentConfig;
      worker_id: string;
      team: boolean;
      created_at: Date;
      updated_at: Date;
    }>(
      `WITH next AS (
         SELECT id FROM runs
         WHERE environment_id IS NOT NULL AND state = 'PENDING'
           AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND (worker_host IS NULL OR worker_host = ANY($2))
         ORDER BY created_at
         LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r
       SET lease_owner = $1, worker_id = coalesce(r.worker_host, $3), dispatched_at = now(),
           lease_expires_at = now() + make_interval(secs => $4 / 1000.0), task_token_hash = $5
       FROM next WHERE r.id = next.id
       RETURNING r.id, r.title, r.prompt, r.environment_id, r.agent_config, r.worker_id, r.team, r.created_at, r.updated_at`,
      [replica, workerIds, preferred, claimTimeoutMs, taskTokenHash],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          title: row.title,
          prompt: row.prompt,
          environmentId: row.environment_id,
          agentConfig: row.agent_config,
          workerId: row.worker_id,
          team: row.team,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }
      : null;
  }

  /** Hands a run back to the queue (the assignment could not be sent, or the worker was full). */
  async handBack(id: string, workerId: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL, worker_id = NULL, dispatched_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND worker_id = $2 AND state = 'PENDING'`,
      [id, workerId],
    );
    return result.rowCount === 1;
  }

  /** The worker took the run: PENDING → CLAIMED, leased to it. True also for a repeated claim. */
  async markClaimed(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ state: RunState }>(
      `WITH moved AS (
         UPDATE runs SET state = 'CLAIMED', updated_at = now(), lease_expires_at = now() + make_interval(secs => $3 / 1000.0),
                         status_message = 'Claimed by worker ' || $2
         WHERE id = $1 AND worker_id = $2 AND state = 'PENDING' AND lease_expires_at IS NOT NULL
         RETURNING state)
       SELECT state FROM moved
       UNION ALL
       SELECT state FROM runs WHERE id = $1 AND worker_id = $2 AND state IN ('CLAIMED','INPROGRESS') AND NOT EXISTS (SELECT 1 FROM moved)`,
      [id, workerId, leaseMs],
    );
    return rows.length > 0;
  }

  /** The task's container runs: CLAIMED → INPROGRESS. */
  async markStarted(id: string, workerId: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), updated_at = now(), status_message = 'Running on worker ' || $2
       WHERE id = $1 AND worker_id = $2 AND state = 'CLAIMED'`,
      [id, workerId],
    );
    return result.rowCount === 1;
  }

  /** Ends a run the worker reported on; false if it was not this worker's to end (or already ended). */
  async finish(
    id: string,
    workerId: string,
    to: 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
    changes: { output: string | null; artifacts: ArtifactItem[]; statusMessage: string | null },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs
       SET state = $3, output = coalesce($4, output), artifacts = artifacts || $5::jsonb, status_message = $6,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND worker_id = $2 AND state = ANY($7)`,
      [id, workerId, to, changes.output, JSON.stringify(changes.artifacts), changes.statusMessage, from(to)],
    );
    return result.rowCount === 1;
  }

  /** Every sign of life from a worker extends the leases of the runs it holds. */
  async renewLeases(workerId: string, leaseMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE runs SET lease_expires_at = now() + make_interval(secs => $2 / 1000.0)
       WHERE worker_id = $1 AND environment_id IS NOT NULL AND state IN ('CLAIMED','INPROGRESS')`,
      [workerId, leaseMs],
    );
  }

  /** Assignments nobody claimed in time go back to PENDING (the trigger wakes every dispatcher). */
  async reclaimUnclaimed(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL, worker_id = NULL, dispatched_at = NULL, task_token_hash = NULL
       WHERE environment_id IS NOT NULL AND state = 'PENDING' AND lease_expires_at < now()
       RETURNING id`,
    );
    return rows.map((row) => row.id);
  }

  /** Runs whose worker went silent past its lease: failed, or back to PENDING when retrying. */
  async expireLost(retry: boolean): Promise<Array<{ id: string; workerId: string }>> {
    const changes = retry
      ? `state = 'PENDING', worker_id = NULL, dispatched_at = NULL,
         status_message = 'Lost contact with worker ' || lost.worker_id || '; waiting for another worker'`
      : `state = 'FAILED', completed_at = now(),
         status_message = 'Lost contact with worker ' || lost.worker_id || ': it sent nothing within its lease'`;
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH lost AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND lease_expires_at < now()
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET ${changes}, updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM lost WHERE r.id = lost.id
       RETURNING r.id, lost.worker_id`,
      [from(retry ? 'PENDING' : 'FAILED').filter((state) => state !== 'PENDING')],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /** Which worker holds a run (for a cancellation). */
  async holderOf(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ worker_id: string | null }>(`SELECT worker_id FROM runs WHERE id = $1`, [id]);
    return rows[0]?.worker_id ?? null;
  }

  /** Appends log lines and drops the oldest beyond `maxLines`. */
  async appendLogs(id: string, workerId: string, lines: string[], maxLines: number): Promise<void> {
    if (!lines.length) return;
    await this.pool.query(
      `WITH owned AS (SELECT id FROM runs WHERE id = $1 AND worker_id = $2),
            added AS (INSERT INTO run_logs (run_id, line) SELECT owned.id, line FROM owned, unnest($3::text[]) WITH ORDINALITY AS l(line, n) ORDER BY n RETURNING id)
       SELECT count(*) FROM added`,
      [id, workerId, lines],
    );
    await this.pool.query(
      `DELETE FROM run_logs WHERE run_id = $1 AND id <= (SELECT id FROM run_logs WHERE run_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, maxLines],
    );
  }

  async logs(id: string, afterId: number, limit: number): Promise<Array<{ id: number; line: string; loggedAt: Date }>> {
    const { rows } = await this.pool.query<{ id: string; line: string; logged_at: Date }>(
      `SELECT id, line, logged_at FROM run_logs WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [id, afterId, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), line: row.line, loggedAt: row.logged_at }));
  }

  async logTail(id: string, lines: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ line: string }>(
      `SELECT line FROM (SELECT id, line FROM run_logs WHERE run_id = $1 ORDER BY id DESC LIMIT $2) t ORDER BY id`,
      [id, lines],
    );
    return rows.map((row) => row.line);
  }

  async connectionOpened(connectionId: string, workerId: string, replica: string, maxConcurrentTasks: number | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO worker_connections (id, worker_id, replica, max_concurrent_tasks) VALUES ($1, $2, $3, $4)`,
      [connectionId, workerId, replica, maxConcurrentTasks],
    );
  }

  async connectionsSeen(connectionIds: string[]): Promise<void> {
    if (!connectionIds.length) return;
    await this.pool.query(`UPDATE worker_connections SET last_seen_at = now() WHERE id = ANY($1::uuid[])`, [connectionIds]);
  }

  async connectionClosed(connectionId: string): Promise<void> {
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
