import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { isUniqueViolation } from '../database/postgres-errors';
import { RunEntity } from '../runs/run.entity';
import { EnvironmentEntity } from './environment.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** All SQL about environments. `tenantKey` undefined means every tenant (the admin's view). */
@Injectable()
export class EnvironmentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get table() {
    return this.dataSource.getRepository(EnvironmentEntity);
  }

  findById(id: string, tenantKey: string | undefined): Promise<EnvironmentEntity | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.table.findOneBy(tenantKey ? { id, tenantKey } : { id });
  }

  async exists(id: string, tenantKey: string | undefined): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return this.table.existsBy(tenantKey ? { id, tenantKey } : { id });
  }

  findByIds(ids: string[], tenantKey: string | undefined): Promise<EnvironmentEntity[]> {
    const valid = ids.filter((id) => UUID.test(id));
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

  async delete(id: string): Promise<void> {
    await this.table.delete({ id });
  }

  /** Runs that still need the environment: deleting it would strand them. */
  countUnfinishedRuns(id: string): Promise<number> {
    return this.dataSource
      .getRepository(RunEntity)
      .countBy({ environmentId: id, state: In(['QUEUED', 'PENDING', 'CLAIMED', 'INPROGRESS']) });
  }
}
