import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `batchSize` terminal runs that finished before `cutoff`; returns how many.
   * The count comes from a SELECT over the deleted rows: TypeORM answers a bare DELETE ... RETURNING
   * with `[rows, rowCount]`, whose length is always 2.
   */
  async deleteFinishedRunsBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [{ deleted }]: Array<{ deleted: number }> = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM runs WHERE id IN (
           SELECT id FROM runs
            -- Spelled as in runs_retention_idx's predicate, so the planner can use that partial index.
            WHERE state IN ('SUCCEEDED','FAILED','CANCELLED') AND completed_at < $1
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
         RETURNING id)
       SELECT count(*)::int AS deleted FROM gone`,
      [cutoff, batchSize],
    );
    return deleted;
  }
}
