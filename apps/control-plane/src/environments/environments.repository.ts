import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { isUniqueViolation, isUuid } from '@oz/server-kit';
import { RunEntity } from '../runs/run.entity';
import { sqlStateList, UNFINISHED_RUN_STATES } from '../runs/run-state';
import { EnvironmentEntity } from './environment.entity';

/** All SQL about environments. `tenantKey` undefined means every tenant (the admin's view). */
@Injectable()
export class EnvironmentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get table() {
    return this.dataSource.getRepository(EnvironmentEntity);
  }

  findById(id: string, tenantKey: string | undefined): Promise<EnvironmentEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.table.findOneBy(tenantKey ? { id, tenantKey } : { id });
  }

  async exists(id: string, tenantKey: string | undefined): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.table.existsBy(tenantKey ? { id, tenantKey } : { id });
  }

  findByIds(ids: string[], tenantKey: string | undefined): Promise<EnvironmentEntity[]> {
    const valid = ids.filter((id) => isUuid(id));
    if (valid.length === 0) return Promise.resolve([]);
    return this.table.findBy(tenantKey ? { id: In(valid), tenantKey } : { id: In(valid) });
  }

  list(tenantKey: string | undefined): Promise<EnvironmentEntity[]> {
    return this.table.find({ where: tenantKey ? { tenantKey } : {}, order: { name: 'ASC', id: 'ASC' } });
  }

  /** Inserts or updates; false when the tenant already has another environment of that name. */
  async save(environment: EnvironmentEntity): Promise<boolean> {
    try {
      await this.table.save(environment, { reload: false });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Deletes the environment unless an unfinished run still uses it, in one statement, so a check and
   * the delete cannot be split by a concurrent change. True if it was deleted.
   */
  async deleteUnlessInUse(id: string, tenantKey: string | undefined): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows: unknown[] = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM environments e
          WHERE e.id = $1 AND ($2::text IS NULL OR e.tenant_key = $2)
            AND NOT EXISTS (
              -- Spelled as runs_unfinished_environment_idx's predicate, so that index answers it.
              SELECT 1 FROM runs r
               WHERE r.environment_id = e.id AND r.environment_id IS NOT NULL
                 AND r.state IN (${sqlStateList(UNFINISHED_RUN_STATES)}))
         RETURNING e.id)
       SELECT id FROM gone`,
      [id, tenantKey ?? null],
    );
    return rows.length === 1;
  }

  /** Runs that still need the environment: deleting it would strand them. */
  countUnfinishedRuns(id: string): Promise<number> {
    return this.dataSource
      .getRepository(RunEntity)
      .countBy({ environmentId: id, state: In([...UNFINISHED_RUN_STATES]) });
  }
}
