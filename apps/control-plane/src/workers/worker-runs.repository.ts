import { Injectable } from '@nestjs/common';
import type { AmbientAgentConfig, ArtifactItem, RunState } from '@oz/contract';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';
import { statesThatCanMoveTo, WORKER_RUN_STATES } from '../runs/run-state';

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

/** How a worker run ends, as its worker reported it. */
export type WorkerRunEnd = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The states of a run a worker has claimed and not yet ended: what a lease covers. */
const HELD_BY_WORKER: readonly RunState[] = ['CLAIMED', 'INPROGRESS'];

/**
 * The SQL of worker runs. A run is assigned by stamping it with the worker and a claim deadline; every
 * later write names the worker the run went to, so a message from another worker, a late duplicate or
 * a message about a finished run changes nothing. State changes take their source states from the
 * transition table.
 */
@Injectable()
export class WorkerRunsRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

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

  /** A run just claimed for `workerId` that can never be assigned (its environment is unusable): FAILED, saying why. */
  async failUnassignable(id: string, workerId: string, statusMessage: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET state = 'FAILED', status_message = $3, completed_at = now(), updated_at = now(),
                       lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND worker_id = $2 AND state = ANY($4)`,
      [id, workerId, statusMessage, statesThatCanMoveTo('FAILED', WORKER_RUN_STATES)],
    );
    return result.rowCount === 1;
  }

  /** The worker took the run: PENDING → CLAIMED, leased to it. True also for a repeated claim. */
  async markClaimed(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ state: RunState }>(
      `WITH moved AS (
         UPDATE runs SET state = 'CLAIMED', updated_at = now(), lease_expires_at = now() + make_interval(secs => $3 / 1000.0),
                         status_message = 'Claimed by worker ' || $2
         WHERE id = $1 AND worker_id = $2 AND state = ANY($4) AND lease_expires_at IS NOT NULL
         RETURNING state)
       SELECT state FROM moved
       UNION ALL
       SELECT state FROM runs WHERE id = $1 AND worker_id = $2 AND state = ANY($5) AND NOT EXISTS (SELECT 1 FROM moved)`,
      [id, workerId, leaseMs, statesThatCanMoveTo('CLAIMED', WORKER_RUN_STATES), HELD_BY_WORKER],
    );
    return rows.length > 0;
  }

  /** The task's container runs: CLAIMED → INPROGRESS. */
  async markStarted(id: string, workerId: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), updated_at = now(), status_message = 'Running on worker ' || $2
       WHERE id = $1 AND worker_id = $2 AND state = ANY($3)`,
      [id, workerId, statesThatCanMoveTo('INPROGRESS', WORKER_RUN_STATES)],
    );
    return result.rowCount === 1;
  }

  /** Ends a run the worker reported on; false if it was not this worker's to end (or already ended). */
  async finish(
    id: string,
    workerId: string,
    to: WorkerRunEnd,
    changes: { output: string | null; artifacts: ArtifactItem[]; statusMessage: string | null },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs
       SET state = $3, output = coalesce($4, output), artifacts = artifacts || $5::jsonb, status_message = $6,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND worker_id = $2 AND state = ANY($7)`,
      [id, workerId, to, changes.output, JSON.stringify(changes.artifacts), changes.statusMessage, statesThatCanMoveTo(to, WORKER_RUN_STATES)],
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

  /** Claimed runs whose worker went silent past its lease: FAILED, saying so. */
  async failLost(): Promise<Array<{ id: string; workerId: string }>> {
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH lost AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND lease_expires_at < now()
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'FAILED', completed_at = now(),
                         status_message = 'Lost contact with worker ' || lost.worker_id || ': it sent nothing within its lease',
                         updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM lost WHERE r.id = lost.id
       RETURNING r.id, lost.worker_id`,
      [statesThatCanMoveTo('FAILED', HELD_BY_WORKER)],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /** Claimed runs whose worker went silent past its lease, when lost runs are retried: back to PENDING for any worker. */
  async requeueLost(): Promise<Array<{ id: string; workerId: string }>> {
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH lost AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND lease_expires_at < now()
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'PENDING', worker_id = NULL, dispatched_at = NULL,
                         status_message = 'Lost contact with worker ' || lost.worker_id || '; waiting for another worker',
                         updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM lost WHERE r.id = lost.id
       RETURNING r.id, lost.worker_id`,
      [statesThatCanMoveTo('PENDING', HELD_BY_WORKER)],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /** Which worker holds a run (for a cancellation). */
  async holderOf(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ worker_id: string | null }>(`SELECT worker_id FROM runs WHERE id = $1`, [id]);
    return rows[0]?.worker_id ?? null;
  }
}
