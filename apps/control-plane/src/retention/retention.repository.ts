import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Deletes up to `batchSize` terminal runs that finished before `cutoff`; returns how many. */
  async deleteFinishedRunsBefore(cutoff: Date, batchSize: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM runs WHERE id IN (
         SELECT id FROM runs
          WHERE state IN ('SUCCEEDED','FAILED','CANCELLED') AND completed_at < $1
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [cutoff, batchSize],
    );
    return rows.length;
  }
}
