import { Injectable } from '@nestjs/common';
import { TERMINAL_RUN_STATES } from '@oz/contract';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';
import { sqlStateList } from '../runs/run-state';

@Injectable()
export class RetentionRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  /** Deletes up to `batchSize` terminal runs that finished before `cutoff`; returns how many. */
  async deleteFinishedRunsBefore(cutoff: Date, batchSize: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM runs WHERE id IN (
         SELECT id FROM runs
          -- Spelled as in runs_retention_idx's predicate, so the planner can use that partial index.
          WHERE state IN (${sqlStateList(TERMINAL_RUN_STATES)}) AND completed_at < $1
          LIMIT $2
          FOR UPDATE SKIP LOCKED)`,
      [cutoff, batchSize],
    );
    return result.rowCount ?? 0;
  }

  /** Drops the LLM gateway's per-provider hours older than `cutoff` (per-run usage goes with its run). */
  async deleteProviderUsageBefore(cutoff: Date): Promise<number> {
    const result = await this.pool.query(`DELETE FROM provider_request_usage WHERE hour < $1`, [cutoff]);
    return result.rowCount ?? 0;
  }
}
