import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ArtifactType, RunSource, RunState } from '@oz/contract';
import { inTransaction, isUuid } from '@oz/server-kit';
import type { Pool } from 'pg';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { CursorPosition } from '../common/http/cursor';
import { InjectPool } from '../database/pg-pool';
import { RunEntity } from './run.entity';
import { statesThatCanMoveTo, UNFINISHED_RUN_STATES } from './run-state';

/** Per-tenant limits on creating runs; 0 turns one off. */
export interface TenantRunLimits {
  runsPerMinute: number;
  maxUnfinishedRuns: number;
}

/** Why a run was not inserted, or that it was. */
export type LimitedInsert =
  | { outcome: 'inserted' }
  /** A unique key (idempotency key, schedule slot) already holds a run. */
  | { outcome: 'exists' }
  | { outcome: 'runs_per_minute'; recent: number; retryAfterSeconds: number }
  | { outcome: 'unfinished_runs'; unfinished: number };

/** The advisory-lock class of per-tenant run creation (two-key form: the tenant is the second key). */
const TENANT_RUNS_LOCK = 0x6f7a_7275;

export interface RunFilters {
  states?: RunState[];
  source?: RunSource;
  environmentId?: string;
  modelId?: string;
  configName?: string;
  text?: string;
  scheduleId?: string;
  skillSpec?: string;
  creatorUid?: string;
  artifactType?: ArtifactType;
  createdAfter?: Date;
  createdBefore?: Date;
  updatedAfter?: Date;
}

/** Literal JSON per artifact type; the keys are the validated enum, so nothing from a request is spliced in. */
const ARTIFACT_FILTERS: Record<ArtifactType, string> = {
  PULL_REQUEST: '[{"artifact_type":"PULL_REQUEST"}]',
  PLAN: '[{"artifact_type":"PLAN"}]',
};

/** Must match the expression of runs_search_idx exactly, or the trigram index is not used. */
const SEARCH_TEXT = `(run.title || ' ' || run.prompt || ' ' || coalesce(run.skill_spec, ''))`;

/** All SQL about runs. `tenantKey` undefined means every tenant (the admin's view). */
@Injectable()
export class RunsRepository {
  private readonly insertColumns: ReturnType<DataSource['getMetadata']>['columns'];
  private readonly insertSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectPool() private readonly pool: Pool,
  ) {
    // Columns others write (worker_id) are mapped read-only (`insert: false`) and left out here.
    this.insertColumns = dataSource.getMetadata(RunEntity).columns.filter((column) => column.isInsert);
    const names = this.insertColumns.map((c) => c.databaseName).join(', ');
    const placeholders = this.insertColumns.map((_, i) => `$${i + 1}`).join(', ');
    this.insertSql = `INSERT INTO runs (${names}) VALUES (${placeholders}) ON CONFLICT DO NOTHING RETURNING id`;
  }

  /**
   * Inserts unless a unique key (idempotency key, schedule slot) already holds a run; true if inserted.
   * Plain SQL straight to the pool rather than the query builder: this is the hottest write, and
   * TypeORM's statement building and QueryRunner cost more CPU than the rest of the request. The
   * statement is built once from the entity's metadata, so it always covers every column. Inside a
   * transaction (`manager` given) it runs on that transaction's connection.
   */
  async insert(run: RunEntity, manager?: EntityManager): Promise<boolean> {
    const params = this.insertParams(run);
    const rows: unknown[] = manager
      ? await manager.query(this.insertSql, params)
      : (await this.pool.query(this.insertSql, params)).rows;
    return rows.length === 1;
  }

  /**
   * Inserts the run unless its tenant is at a limit. The tenant's creations are serialised by an
   * advisory lock held until the transaction ends, and counted after taking it, so any number of
   * replicas together never let a tenant past a limit. Inside `manager`'s transaction when given.
   */
  async insertWithinLimits(run: RunEntity, limits: TenantRunLimits, manager?: EntityManager): Promise<LimitedInsert> {
    const check = async (query: (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>): Promise<LimitedInsert> => {
      await query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [TENANT_RUNS_LOCK, run.tenantKey]);
      const [counts] = await query(
        `SELECT (SELECT count(*) FROM runs WHERE tenant_key = $1 AND $2 > 0 AND created_at > now() - interval '1 minute')::int AS recent,
                (SELECT ceil(extract(epoch FROM min(created_at) + interval '1 minute' - now())) FROM runs
                  WHERE tenant_key = $1 AND $2 > 0 AND created_at > now() - interval '1 minute')::int AS frees_in,
                (SELECT count(*) FROM runs WHERE tenant_key = $1 AND $3 > 0 AND state = ANY($4))::int AS unfinished`,
        [run.tenantKey, limits.runsPerMinute, limits.maxUnfinishedRuns, UNFINISHED_RUN_STATES],
      );
      const recent = Number(counts['recent']);
      const unfinished = Number(counts['unfinished']);
      if (limits.runsPerMinute > 0 && recent >= limits.runsPerMinute) {
        return { outcome: 'runs_per_minute', recent, retryAfterSeconds: Math.max(1, Number(counts['frees_in']) || 1) };
      }
      if (limits.maxUnfinishedRuns > 0 && unfinished >= limits.maxUnfinishedRuns) return { outcome: 'unfinished_runs', unfinished };
      return (await query(this.insertSql, this.insertParams(run))).length === 1 ? { outcome: 'inserted' } : { outcome: 'exists' };
    };
    if (manager) return check((sql, params) => manager.query(sql, params));
    return inTransaction(this.pool, (client) => check(async (sql, params) => (await client.query(sql, params)).rows));
  }

  /** The sealed parts of a run (see RunSecrets): its MCP secrets and its task_env, each null when it has none. */
  async findSealed(id: string): Promise<{ mcpSecrets: string | null; taskEnv: string | null }> {
    if (!isUuid(id)) return { mcpSecrets: null, taskEnv: null };
    const { rows } = await this.pool.query<{ mcp_secrets_ciphertext: string | null; task_env_ciphertext: string | null }>(
      `SELECT mcp_secrets_ciphertext, task_env_ciphertext FROM runs WHERE id = $1`,
      [id],
    );
    return { mcpSecrets: rows[0]?.mcp_secrets_ciphertext ?? null, taskEnv: rows[0]?.task_env_ciphertext ?? null };
  }

  findById(id: string, tenantKey: string | undefined): Promise<RunEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.dataSource.getRepository(RunEntity).findOneBy(tenantKey ? { id, tenantKey } : { id });
  }

  findByScheduleSlot(scheduleId: string, slot: Date): Promise<RunEntity | null> {
    return this.dataSource.getRepository(RunEntity).findOneBy({ scheduleId, scheduledFor: slot });
  }

  private insertParams(run: RunEntity): unknown[] {
    return this.insertColumns.map((column) => {
      const value = column.getEntityValue(run);
      // jsonb goes as JSON text: node-postgres would send a JS array as a PostgreSQL array.
      return column.type === 'jsonb' && value !== null && value !== undefined ? JSON.stringify(value) : (value ?? null);
    });
  }

  /** The tenant's newest run created from an identical request since `since`. */
  findRecentByFingerprint(tenantKey: string, fingerprint: string, since: Date): Promise<RunEntity | null> {
    return this.dataSource
      .getRepository(RunEntity)
      .createQueryBuilder('run')
      .where('run.tenant_key = :tenantKey AND run.request_fingerprint = :fingerprint AND run.created_at > :since', {
        tenantKey,
        fingerprint,
        since,
      })
      .orderBy('run.created_at', 'DESC')
      .limit(1)
      .getOne();
  }

  findByIdempotencyKey(tenantKey: string, idempotencyKey: string): Promise<RunEntity | null> {
    return this.dataSource.getRepository(RunEntity).findOneBy({ tenantKey, idempotencyKey });
  }

  /** One page in (created_at DESC, id DESC) order, reading one extra row to know if more follow. */
  async list(
    tenantKey: string | undefined,
    filters: RunFilters,
    limit: number,
    after?: CursorPosition,
  ): Promise<{ runs: RunEntity[]; hasMore: boolean }> {
    const query = this.dataSource.getRepository(RunEntity).createQueryBuilder('run');
    if (tenantKey) query.andWhere('run.tenant_key = :tenantKey', { tenantKey });
    if (!applyFilters(query, filters)) return { runs: [], hasMore: false };
    if (after) query.andWhere('(run.created_at, run.id) < (:afterTime, :afterId)', { afterTime: after.createdAt, afterId: after.id });
    const rows = await query
      .orderBy('run.created_at', 'DESC')
      .addOrderBy('run.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return { runs: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /**
   * Cancels the run if it is unfinished, in one conditional UPDATE: of several concurrent callers
   * exactly one wins, and a terminal run is never rewritten. Its task token dies with it. False if
   * nothing moved.
   */
  async cancel(id: string, tenantKey: string | undefined, statusMessage: string): Promise<boolean> {
    // A malformed id names no run; sent to PostgreSQL it would fail the uuid cast with a 500.
    if (!isUuid(id)) return false;
    const result = await this.pool.query(
      `UPDATE runs SET state = 'CANCELLED', status_message = $2, completed_at = now(), updated_at = now(), task_token_hash = NULL
       WHERE id = $1 AND state = ANY($3) AND ($4::text IS NULL OR tenant_key = $4)`,
      [id, statusMessage, statesThatCanMoveTo('CANCELLED'), tenantKey ?? null],
    );
    return result.rowCount === 1;
  }
}

/** Adds the WHERE clauses; false when a filter can match nothing (e.g. a non-UUID id). */
function applyFilters(query: SelectQueryBuilder<RunEntity>, f: RunFilters): boolean {
  if (f.states?.length) query.andWhere('run.state IN (:...states)', { states: f.states });
  if (f.source) query.andWhere('run.source = :source', { source: f.source });
  if (f.environmentId !== undefined) {
    if (!isUuid(f.environmentId)) return false;
    query.andWhere('run.environment_id = :environmentId', { environmentId: f.environmentId });
  }
  if (f.scheduleId) query.andWhere('run.schedule_id = :scheduleId', { scheduleId: f.scheduleId });
  if (f.modelId !== undefined) query.andWhere('run.model_id = :modelId', { modelId: f.modelId });
  if (f.configName !== undefined) query.andWhere('run.config_name = :configName', { configName: f.configName });
  if (f.skillSpec !== undefined) query.andWhere('run.skill_spec = :skillSpec', { skillSpec: f.skillSpec });
  if (f.creatorUid !== undefined) query.andWhere('run.creator_uid = :creatorUid', { creatorUid: f.creatorUid });
  if (f.artifactType) {
    // Written out rather than bound, so the planner can match the partial index for this type.
    query.andWhere(`run.artifacts @> '${ARTIFACT_FILTERS[f.artifactType]}'::jsonb`);
  }
  if (f.text) query.andWhere(`${SEARCH_TEXT} ILIKE :text`, { text: `%${escapeLike(f.text)}%` });
  if (f.createdAfter) query.andWhere('run.created_at > :createdAfter', { createdAfter: f.createdAfter });
  if (f.createdBefore) query.andWhere('run.created_at < :createdBefore', { createdBefore: f.createdBefore });
  if (f.updatedAfter) query.andWhere('run.updated_at > :updatedAfter', { updatedAfter: f.updatedAfter });
  return true;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
