import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUuid } from '@oz/server-kit';
import { DataSource, EntityManager } from 'typeorm';
import { ScheduleEntity } from './schedule.entity';

/** All SQL about schedules. `tenantKey` undefined means every tenant (the admin's view). */
@Injectable()
export class SchedulesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get table() {
    return this.dataSource.getRepository(ScheduleEntity);
  }

  findById(id: string, tenantKey: string | undefined): Promise<ScheduleEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.table.findOneBy(tenantKey ? { id, tenantKey } : { id });
  }

  list(tenantKey: string | undefined): Promise<ScheduleEntity[]> {
    return this.table.find({ where: tenantKey ? { tenantKey } : {}, order: { name: 'ASC', id: 'ASC' } });
  }

  /**
   * Loads the schedule with its row locked, lets `change` edit it and saves it, all in one transaction:
   * an edit cannot then write back a next_run_at that a concurrent firing already moved on.
   */
  async updateLocked(
    id: string,
    tenantKey: string | undefined,
    change: (schedule: ScheduleEntity) => void,
  ): Promise<ScheduleEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.transaction(async (manager) => {
      const schedule = await manager.getRepository(ScheduleEntity).findOne({
        where: tenantKey ? { id, tenantKey } : { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!schedule) return null;
      change(schedule);
      await this.save(schedule, manager);
      return schedule;
    });
  }

  async save(schedule: ScheduleEntity, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(ScheduleEntity).save(schedule, { reload: false });
  }

  async delete(id: string): Promise<void> {
    await this.table.delete({ id });
  }

  /**
   * Runs `fire` for each due schedule inside one transaction that holds the schedules' row locks.
   * SKIP LOCKED lets every replica poll at once: a schedule being fired elsewhere is skipped, and by the
   * time its lock is released its next_run_at has moved on, so each slot fires exactly once.
   */
  async withDueSchedules(
    now: Date,
    batchSize: number,
    fire: (schedules: ScheduleEntity[], manager: EntityManager) => Promise<void>,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const due = await manager
        .getRepository(ScheduleEntity)
        .createQueryBuilder('schedule')
        .where('schedule.enabled AND schedule.next_run_at <= :now', { now })
        .orderBy('schedule.next_run_at', 'ASC')
        .limit(batchSize)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (due.length > 0) await fire(due, manager);
      return due.length;
    });
  }
}
