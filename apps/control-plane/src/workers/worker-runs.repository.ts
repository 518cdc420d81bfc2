import { Injectable } from '@nestjs/common';
import type { AmbientAgentConfig, ArtifactItem, RunState } from '@oz/contract';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';
import { statesThatCanMoveTo, WORKER_RUN_STATES } from '../runs/run-state';

/** A worker run as the dispatcher claimed it for a connection: one execution of it. */
export interface DispatchedRun {
  id: string;
  /** This assignment's id: messages naming another execution (an earlier attempt's container) are stale. */
  executionId: string;
  title: string;
  prompt: string;
  environmentId: string;
  agentConfig: AmbientAgentConfig;
  workerId: string;
  team: boolean;
  /** Seconds the task may run: its environment's limit, else the default. */
  timeoutSeconds: number;
  createdAt: Date;
  updatedAt: Date;
  /** Seconds from its creation to this assignment, when this is its first (else null): the dispatch latency. */
  firstDispatchWaitSeconds: number | null;
}

/** A run as its task token opens it (for the LLM gateway and the task reports). */
export interface TaskTokenRun {
  id: string;
  tenantKey: string;
  modelId: string | null;
  agentConfig: AmbientAgentConfig;
  /** Its worker streams the task's log itself (ours does; the official worker does not). */
  workerSendsLogs: boolean;
}

/** How a worker run ends, as its worker reported it. */
export type WorkerRunEnd = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A task as a worker reports it: the run, and which execution of it (null: a container from before executions had ids). */
export interface ReportedTask {
  id: string;
  executionId: string | null;
  /** Found by a restarted worker rather than started by it. */
  adopted: boolean;
}

/** A reported task whose lease was renewed. */
export interface RenewedRun {
  id: string;
  executionId: string | null;
  logCursor: string | null;
}

/** Where a run is, for telling a worker why a task it reported is no longer its own. */
export interface RunWhereabouts {
  id: string;
  state: RunState;
  workerId: string | null;
  executionId: string | null;
  /** Assigned to its worker and waiting for the claim (PENDING with a claim deadline). */
  assigned: boolean;
}

/** A run the sweep ended or took back, and the worker that had it. */
export interface SweptRun {
  id: string;
  workerId: string;
}

/** The states of a run a worker has claimed and not yet ended: what a lease covers. */
export const HELD_BY_WORKER: readonly RunState[] = ['CLAIMED', 'INPROGRESS'];

export const ADOPTED_STATUS = 'worker restarted, task adopted';

/** How every explanation of a PENDING run's wait begins (so it can be told from other status messages). */
export const WAITING_FOR_WORKER = 'waiting for a worker: ';

/**
 * Matches a message's execution to the run's. A message that names none (the official worker never
 * does) applies to whichever execution the worker holds; one that names another is stale.
 */
const EXECUTION_MATCHES = (param: string) => `(${param}::text IS NULL OR execution_id::text = ${param}::text)`;

/**
 * The SQL of worker runs. A run is assigned by stamping it with the worker, an execution id and a claim
 * deadline; every later write names the worker the run went to (and, from our worker, the execution),
 * so a message from another worker, from an earlier attempt's container, a late duplicate or a message
 * about a finished run changes nothing. State changes take their source states from the transition table.
 */
@Injectable()
export class WorkerRunsRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  /**
   * Takes the oldest PENDING run that one of `workerIds` may run (its `worker_host`, if any, among
   * them) and no one holds; stamps it with the worker (`worker_host`, else `preferred`), a new
   * execution id and the execution's time limit (its environment's, else `defaultTimeoutSeconds`).
   */
  async claimNext(
    replica: string,
    workerIds: string[],
    preferred: string,
    claimTimeoutMs: number,
    taskTokenHash: string,
    defaultTimeoutSeconds: number,
  ): Promise<DispatchedRun | null> {
    const { rows } = await this.pool.query<{
      id: string;
      execution_id: string;
      title: string;
      prompt: string;
      environment_id: string;
      agent_config: AmbientAgentConfig;
      worker_id: string;
      team: boolean;
      timeout_seconds: number;
      created_at: Date;
      updated_at: Date;
      first_dispatch_wait: number | null;
    }>(
      `WITH next AS (
         SELECT r.id, coalesce(e.task_timeout_seconds, $6) AS timeout_seconds,
                -- Never assigned before (no execution yet): the end of its first wait.
                CASE WHEN r.execution_id IS NULL THEN extract(epoch FROM now() - r.created_at)::float8 END AS first_dispatch_wait
         FROM runs r LEFT JOIN environments e ON e.id = r.environment_id
         WHERE r.environment_id IS NOT NULL AND r.state = 'PENDING'
           AND (r.lease_expires_at IS NULL OR r.lease_expires_at < now())
           AND (r.worker_host IS NULL OR r.worker_host = ANY($2))
         ORDER BY r.created_at
         LIMIT 1
         FOR UPDATE OF r SKIP LOCKED
       )
       UPDATE runs r
       SET lease_owner = $1, worker_id = coalesce(r.worker_host, $3), dispatched_at = now(),
           status_message = CASE WHEN r.status_message LIKE '${WAITING_FOR_WORKER}%' THEN NULL ELSE r.status_message END,
           lease_expires_at = now() + make_interval(secs => $4 / 1000.0), task_token_hash = $5,
           execution_id = gen_random_uuid(), lease_reported = false, log_cursor = NULL,
           timeout_at = now() + make_interval(secs => next.timeout_seconds)
       FROM next WHERE r.id = next.id
       RETURNING r.id, r.execution_id, r.title, r.prompt, r.environment_id, r.agent_config, r.worker_id, r.team,
                 next.timeout_seconds, r.created_at, r.updated_at, next.first_dispatch_wait`,
      [replica, workerIds, preferred, claimTimeoutMs, taskTokenHash, defaultTimeoutSeconds],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          executionId: row.execution_id,
          title: row.title,
          prompt: row.prompt,
          environmentId: row.environment_id,
          agentConfig: row.agent_config,
          workerId: row.worker_id,
          team: row.team,
          timeoutSeconds: row.timeout_seconds,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          firstDispatchWaitSeconds: row.first_dispatch_wait,
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

  /**
   * The worker took the run: PENDING → CLAIMED, leased to it, one more attempt counted. `reported`:
   * the claiming connection reports its runs, so only its reports renew this lease. True also for a
   * repeated claim; false for a claim too late (the run went back to the queue) or of another execution.
   */
  async markClaimed(id: string, workerId: string, leaseMs: number, executionId: string | null, reported: boolean): Promise<boolean> {
    const { rows } = await this.pool.query<{ state: RunState }>(
      `WITH moved AS (
         UPDATE runs SET state = 'CLAIMED', updated_at = now(), lease_expires_at = now() + make_interval(secs => $3 / 1000.0),
                         status_message = 'Claimed by worker ' || $2, attempts = attempts + 1, lease_reported = $6
         WHERE id = $1 AND worker_id = $2 AND state = ANY($4) AND lease_expires_at IS NOT NULL AND ${EXECUTION_MATCHES('$5')}
         RETURNING state)
       SELECT state FROM moved
       UNION ALL
       SELECT state FROM runs WHERE id = $1 AND worker_id = $2 AND state = ANY($7) AND ${EXECUTION_MATCHES('$5')} AND NOT EXISTS (SELECT 1 FROM moved)`,
      [id, workerId, leaseMs, statesThatCanMoveTo('CLAIMED', WORKER_RUN_STATES), executionId, reported, HELD_BY_WORKER],
    );
    return rows.length > 0;
  }

  /** The task's container runs: CLAIMED → INPROGRESS. */
  async markStarted(id: string, workerId: string, executionId: string | null): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), updated_at = now(), status_message = 'Running on worker ' || $2
       WHERE id = $1 AND worker_id = $2 AND state = ANY($3) AND ${EXECUTION_MATCHES('$4')}`,
      [id, workerId, statesThatCanMoveTo('INPROGRESS', WORKER_RUN_STATES), executionId],
    );
    return result.rowCount === 1;
  }

  /** Ends a run the worker reported on; false if it was not this worker's (or this execution's) to end, or already ended. */
  async finish(
    id: string,
    workerId: string,
    executionId: string | null,
    to: WorkerRunEnd,
    changes: { output: string | null; artifacts: ArtifactItem[]; statusMessage: string | null },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs
       SET state = $3, output = coalesce($4, output), artifacts = artifacts || $5::jsonb, status_message = $6,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND worker_id = $2 AND state = ANY($7) AND ${EXECUTION_MATCHES('$8')}`,
      [id, workerId, to, changes.output, JSON.stringify(changes.artifacts), changes.statusMessage, statesThatCanMoveTo(to, WORKER_RUN_STATES), executionId],
    );
    return result.rowCount === 1;
  }

  /**
   * The official worker cannot say which runs it executes: any sign of it renews the runs its worker
   * id holds that were claimed on a connection that does not report (never our worker's runs).
   */
  async renewPresence(workerId: string, leaseMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE runs SET lease_expires_at = now() + make_interval(secs => $2 / 1000.0)
       WHERE worker_id = $1 AND environment_id IS NOT NULL AND state = ANY($3) AND NOT lease_reported`,
      [workerId, leaseMs, HELD_BY_WORKER],
    );
  }

  /**
   * Renews the leases of the reported runs this worker holds, in the execution it names; an adopted
   * task's run says so. Returns the runs renewed, with where their stored log ends.
   */
  async renewReported(workerId: string, tasks: ReportedTask[], leaseMs: number): Promise<RenewedRun[]> {
    if (!tasks.length) return [];
    const { rows } = await this.pool.query<{ id: string; execution_id: string | null; log_cursor: string | null }>(
      `WITH reported AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::boolean[]) AS t(id, execution_id, adopted)
       )
       UPDATE runs r
       SET lease_expires_at = now() + make_interval(secs => $5 / 1000.0), lease_reported = true,
           status_message = CASE WHEN reported.adopted THEN $7 ELSE r.status_message END,
           updated_at = CASE WHEN reported.adopted AND r.status_message IS DISTINCT FROM $7 THEN now() ELSE r.updated_at END
       FROM reported
       WHERE r.id = reported.id AND r.worker_id = $1 AND r.environment_id IS NOT NULL AND r.state = ANY($6)
         AND r.execution_id::text IS NOT DISTINCT FROM reported.execution_id
       RETURNING r.id, r.execution_id, r.log_cursor`,
      [workerId, tasks.map((t) => t.id), tasks.map((t) => t.executionId), tasks.map((t) => t.adopted), leaseMs, HELD_BY_WORKER, ADOPTED_STATUS],
    );
    return rows.map((row) => ({ id: row.id, executionId: row.execution_id, logCursor: row.log_cursor }));
  }

  /** Where these runs are now (absent: deleted, or never existed). */
  async whereabouts(ids: string[]): Promise<RunWhereabouts[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query<{ id: string; state: RunState; worker_id: string | null; execution_id: string | null; assigned: boolean }>(
      `SELECT id, state, worker_id, execution_id, lease_expires_at IS NOT NULL AS assigned FROM runs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((row) => ({ id: row.id, state: row.state, workerId: row.worker_id, executionId: row.execution_id, assigned: row.assigned }));
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

  /**
   * Claimed runs nothing renewed for a lease, and whose worker did not come back within `graceMs`
   * more: FAILED, saying so.
   */
  async failLost(graceMs: number): Promise<SweptRun[]> {
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH lost AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND lease_expires_at < now() - make_interval(secs => $2 / 1000.0)
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'FAILED', completed_at = now(),
                         status_message = 'Lost contact with worker ' || lost.worker_id || ': nothing reported the run for a lease, and the worker did not come back within another',
                         updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM lost WHERE r.id = lost.id
       RETURNING r.id, lost.worker_id`,
      [statesThatCanMoveTo('FAILED', HELD_BY_WORKER), graceMs],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /**
   * As failLost, when lost runs are retried: back to PENDING for any worker, the status saying which
   * attempt comes next. The old worker had the lease and the grace to come back; its container, if it
   * runs on, is stopped when it does (its execution is no longer the run's).
   */
  async requeueLost(graceMs: number): Promise<SweptRun[]> {
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH lost AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND lease_expires_at < now() - make_interval(secs => $2 / 1000.0)
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'PENDING', worker_id = NULL, dispatched_at = NULL, lease_reported = false, pending_since = now(),
                         status_message = 'worker lost; retrying on another worker (attempt ' || (r.attempts + 1) || ')',
                         updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM lost WHERE r.id = lost.id
       RETURNING r.id, lost.worker_id`,
      [statesThatCanMoveTo('PENDING', HELD_BY_WORKER), graceMs],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /**
   * Claimed runs still going `graceMs` after their execution's time limit: FAILED (task_timeout). Our
   * worker stops its tasks at the limit itself; this backs it up (the official worker, a lost worker).
   */
  async failTimedOut(graceMs: number): Promise<SweptRun[]> {
    const { rows } = await this.pool.query<{ id: string; worker_id: string }>(
      `WITH late AS (
         SELECT id, worker_id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND timeout_at < now() - make_interval(secs => $2 / 1000.0)
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'FAILED', completed_at = now(),
                         status_message = 'The task exceeded its maximum allowed execution time and was stopped (task_timeout)',
                         updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       FROM late WHERE r.id = late.id
       RETURNING r.id, late.worker_id`,
      [statesThatCanMoveTo('FAILED', HELD_BY_WORKER), graceMs],
    );
    return rows.map((row) => ({ id: row.id, workerId: row.worker_id }));
  }

  /**
   * The run a task token belongs to, while a worker holds it (CLAIMED or INPROGRESS): the token opens
   * nothing before the claim and nothing after the run ends (its hash is cleared then).
   */
  async heldByTaskToken(tokenHash: string): Promise<TaskTokenRun | null> {
    const { rows } = await this.pool.query<{ id: string; tenant_key: string; model_id: string | null; agent_config: AmbientAgentConfig; lease_reported: boolean }>(
      `SELECT id, tenant_key, model_id, agent_config, lease_reported FROM runs
       WHERE task_token_hash = $1 AND environment_id IS NOT NULL AND state = ANY($2)`,
      [tokenHash, HELD_BY_WORKER],
    );
    const row = rows[0];
    return row
      ? { id: row.id, tenantKey: row.tenant_key, modelId: row.model_id, agentConfig: row.agent_config, workerSendsLogs: row.lease_reported }
      : null;
  }

  /** The task's own output report: the run's output while the token still holds it; false once it does not. */
  async storeTaskOutput(id: string, tokenHash: string, output: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs SET output = $3, updated_at = now() WHERE id = $1 AND task_token_hash = $2 AND state = ANY($4)`,
      [id, tokenHash, output, HELD_BY_WORKER],
    );
    return result.rowCount === 1;
  }

  /** What the run's output is now, while the token holds the run (undefined once it does not). */
  async taskOutput(id: string, tokenHash: string): Promise<string | null | undefined> {
    const { rows } = await this.pool.query<{ output: string | null }>(
      `SELECT output FROM runs WHERE id = $1 AND task_token_hash = $2 AND state = ANY($3)`,
      [id, tokenHash, HELD_BY_WORKER],
    );
    return rows.length ? (rows[0] as { output: string | null }).output : undefined;
  }

  /**
   * The task's own `finished` report ends its run, as a worker's final message would: the first of
   * the two wins (this one matches no row once the run ended; the worker's then changes nothing).
   * The token is revoked with it. False when the token no longer holds the run.
   */
  async finishByTask(
    id: string,
    tokenHash: string,
    to: WorkerRunEnd,
    changes: { outputIfNone: string | null; artifacts: ArtifactItem[]; statusMessage: string | null },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs
       SET state = $3, output = coalesce(output, $7), artifacts = artifacts || $4::jsonb, status_message = $5,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, task_token_hash = NULL
       WHERE id = $1 AND task_token_hash = $2 AND state = ANY($6)`,
      [id, tokenHash, to, JSON.stringify(changes.artifacts), changes.statusMessage, statesThatCanMoveTo(to, HELD_BY_WORKER), changes.outputIfNone],
    );
    return result.rowCount === 1;
  }

  /**
   * Says why each unassigned PENDING run waits (none of `connectedWorkers` may take it: none is
   * connected, or its pinned worker is not; or, once it waited `busyAfterMs`, every one that may is
   * busy), and takes the words back from runs a connected worker may take. Only a run with no status
   * message or an earlier explanation is written (a retried run keeps saying it is being retried);
   * returns how many runs changed.
   */
  async explainWaiting(connectedWorkers: string[], busyAfterMs: number): Promise<number> {
    const result = await this.pool.query(
      `WITH waiting AS (
         SELECT id, CASE
           WHEN worker_host IS NOT NULL AND NOT (worker_host = ANY($1::text[]))
             THEN '${WAITING_FOR_WORKER}worker ' || worker_host || ' (pinned by config.worker_host) is not connected'
           WHEN worker_host IS NULL AND cardinality($1::text[]) = 0 THEN '${WAITING_FOR_WORKER}none is connected'
           WHEN pending_since < now() - make_interval(secs => $2 / 1000.0) THEN '${WAITING_FOR_WORKER}every connected worker that may take it is busy'
           ELSE NULL END AS message
         FROM runs
         WHERE environment_id IS NOT NULL AND state = 'PENDING' AND (lease_expires_at IS NULL OR lease_expires_at < now())
       )
       UPDATE runs r SET status_message = waiting.message, updated_at = now()
       FROM waiting
       WHERE r.id = waiting.id AND r.state = 'PENDING' AND (r.lease_expires_at IS NULL OR r.lease_expires_at < now())
         AND r.status_message IS DISTINCT FROM waiting.message
         AND (r.status_message IS NULL OR r.status_message LIKE '${WAITING_FOR_WORKER}%')`,
      [connectedWorkers, busyAfterMs],
    );
    return result.rowCount ?? 0;
  }

  /** Unassigned PENDING runs that waited longer than `timeoutMs`: FAILED, saying why they waited. */
  async failPendingTooLong(timeoutMs: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `WITH late AS (
         SELECT id FROM runs
         WHERE environment_id IS NOT NULL AND state = ANY($1) AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND pending_since < now() - make_interval(secs => $2 / 1000.0)
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r SET state = 'FAILED', completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                         status_message = 'No worker took the run within ' || $3::text || ' s (OZ_PENDING_TIMEOUT_SECONDS)'
                           || CASE WHEN r.status_message LIKE '${WAITING_FOR_WORKER}%' THEN '; it was ' || r.status_message ELSE '' END
       FROM late WHERE r.id = late.id
       RETURNING r.id`,
      [statesThatCanMoveTo('FAILED', ['PENDING']), timeoutMs, String(timeoutMs / 1000)],
    );
    return rows.map((row) => row.id);
  }

  /** Which worker holds a run (for a cancellation). */
  async holderOf(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ worker_id: string | null }>(`SELECT worker_id FROM runs WHERE id = $1`, [id]);
    return rows[0]?.worker_id ?? null;
  }
}
