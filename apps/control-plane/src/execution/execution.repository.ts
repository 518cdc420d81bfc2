import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AmbientAgentConfig, RunState } from '@oz/contract';
import { Pool } from 'pg';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { InjectPool } from '../database/pg-pool';
import { PROVIDER_RUN_STATES, statesThatCanMoveTo, statesThatCanMoveToOrStay } from '../runs/run-state';

/** A provider run as an executor claimed it. */
export interface ClaimedRun {
  id: string;
  prompt: string;
  modelId: string | null;
  agentConfig: AmbientAgentConfig;
  /** How many times the run was taken over from a replica that stopped holding it. */
  leaseRecoveries: number;
  saturatedSince: Date | null;
  /** Seconds from its creation to this claim, when this is its first claim (else null): the dispatch latency. */
  firstClaimWaitSeconds: number | null;
}

export interface Attempt {
  providerKey: string;
  providerType: string;
  model: string;
}

/** The states an executor works on: provider runs not yet finished. */
const EXECUTING_STATES: RunState[] = ['QUEUED', 'INPROGRESS'];

/**
 * The executor's SQL. Every write is conditional on the caller still holding the run's lease and
 * the run being in a state the transition table allows, so a cancelled run, or one another replica
 * took over, is never written by an executor that lost it.
 */
@Injectable()
export class ExecutionRepository implements OnApplicationShutdown {
  /**
   * For bookkeeping a crash may lose without harm (claims, leases, progress): its commits do not
   * wait for the WAL flush, which would otherwise be most of a run's overhead. Losing such a write
   * in a database crash only means a lease lapses and the run is taken over. The end of a run goes
   * through the regular pool: once a client has seen SUCCEEDED, it stays so.
   */
  private readonly bookkeeping: Pool;

  constructor(
    @InjectPool() private readonly pool: Pool,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
  ) {
    this.bookkeeping = new Pool({
      connectionString: config.databaseUrl,
      max: Math.max(2, Math.min(4, config.executor.concurrency)),
      idleTimeoutMillis: 30_000,
      application_name: 'oz-control-plane-executor',
      options: '-c synchronous_commit=off',
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bookkeeping.end();
  }

  /**
   * Leases up to `limit` provider runs that are due: queued ones whose wait is over, and runs whose
   * previous holder stopped renewing its lease. SKIP LOCKED lets replicas claim side by side.
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedRun[]> {
    const { rows } = await this.bookkeeping.query<{
      id: string;
      prompt: string;
      model_id: string | null;
      agent_config: AmbientAgentConfig;
      lease_recoveries: number;
      saturated_since: Date | null;
      first_claim_wait: number | null;
    }>(
      `WITH due AS (
         SELECT id,
                -- Never claimed, handed back or requeued before: the end of its first wait.
                CASE WHEN lease_owner IS NULL AND started_at IS NULL AND saturated_since IS NULL
                     THEN extract(epoch FROM now() - created_at)::float8 END AS first_claim_wait
         FROM runs
         WHERE environment_id IS NULL AND state IN ('QUEUED','INPROGRESS')
           AND (lease_expires_at IS NULL OR lease_expires_at < now())
           AND (available_at IS NULL OR available_at <= now())
         ORDER BY created_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE runs r
       SET lease_owner = $1,
           lease_expires_at = now() + make_interval(secs => $3 / 1000.0),
           -- A run still carrying a holder was abandoned by it, not handed back.
           lease_recoveries = r.lease_recoveries + CASE WHEN r.lease_owner IS NULL THEN 0 ELSE 1 END
       FROM due WHERE r.id = due.id
       RETURNING r.id, r.prompt, r.model_id, r.agent_config, r.lease_recoveries, r.saturated_since, due.first_claim_wait`,
      [owner, limit, leaseMs],
    );
    return rows.map((row) => ({
      id: row.id,
      prompt: row.prompt,
      modelId: row.model_id,
      agentConfig: row.agent_config,
      leaseRecoveries: row.lease_recoveries,
      saturatedSince: row.saturated_since,
      firstClaimWaitSeconds: row.first_claim_wait,
    }));
  }

  /** Extends the leases still held; returns the ids of those runs (the others were cancelled or lost). */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const { rows } = await this.bookkeeping.query<{ id: string }>(
      `UPDATE runs SET lease_expires_at = now() + make_interval(secs => $3 / 1000.0)
       WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND state = ANY($4)
       RETURNING id`,
      [ids, owner, leaseMs, EXECUTING_STATES],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** A provider is about to be called: the run is INPROGRESS with that provider, its output starts over. */
  async startAttempt(id: string, owner: string, attempt: Attempt): Promise<boolean> {
    const result = await this.bookkeeping.query(
      `UPDATE runs
       SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), updated_at = now(),
           provider_key = $3, provider_type = $4, provider_model = $5, output = NULL,
           status_message = $6, status_detail = NULL, available_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND state = ANY($7)`,
      [id, owner, attempt.providerKey, attempt.providerType, attempt.model, `Calling ${attempt.providerKey} (${attempt.model})`, statesThatCanMoveToOrStay('INPROGRESS', PROVIDER_RUN_STATES)],
    );
    return result.rowCount === 1;
  }

  /** The answer so far, so readers see it grow. */
  async saveOutput(id: string, owner: string, output: string): Promise<void> {
    await this.bookkeeping.query(
      `UPDATE runs SET output = $3, updated_at = now() WHERE id = $1 AND lease_owner = $2 AND state = 'INPROGRESS'`,
      [id, owner, output],
    );
  }

  /** Ends the run (SUCCEEDED or FAILED) and lets go of it; false if it was no longer ours to end. */
  async finish(
    id: string,
    owner: string,
    to: 'SUCCEEDED' | 'FAILED',
    changes: { output?: string | null; statusMessage: string | null; statusDetail?: string | null },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE runs
       SET state = $3, output = CASE WHEN $4::boolean THEN $5 ELSE output END, status_message = $6, status_detail = $8,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL, available_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND state = ANY($7)`,
      [
        id,
        owner,
        to,
        changes.output !== undefined,
        changes.output ?? null,
        changes.statusMessage,
        statesThatCanMoveTo(to, PROVIDER_RUN_STATES),
        changes.statusDetail ?? null,
      ],
    );
    return result.rowCount === 1;
  }

  /** Every provider is saturated: back to QUEUED until `availableAt`, for any replica to take then. */
  async requeue(id: string, owner: string, availableAt: Date, status: { statusMessage: string; statusDetail: string }): Promise<boolean> {
    const result = await this.bookkeeping.query(
      `UPDATE runs
       SET state = 'QUEUED', available_at = $3, saturated_since = coalesce(saturated_since, now()),
           status_message = $4, status_detail = $6, output = NULL, updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND state = ANY($5)`,
      [id, owner, availableAt, status.statusMessage, statesThatCanMoveToOrStay('QUEUED', PROVIDER_RUN_STATES), status.statusDetail],
    );
    return result.rowCount === 1;
  }

  /** On shutdown: hands the runs back, queued and free to take at once, without counting a recovery. */
  async release(ids: string[], owner: string): Promise<number> {
    if (!ids.length) return 0;
    const result = await this.bookkeeping.query(
      `UPDATE runs
       SET state = 'QUEUED', output = NULL, updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
           status_message = 'Its control-plane replica stopped; waiting to run again', status_detail = NULL
       WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND state = ANY($3)`,
      [ids, owner, statesThatCanMoveToOrStay('QUEUED', PROVIDER_RUN_STATES)],
    );
    return result.rowCount ?? 0;
  }
}
