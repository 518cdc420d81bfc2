import type { DataSourceOptions } from 'typeorm';
import { EnvironmentEntity } from '../environments/environment.entity';
import { RunEntity } from '../runs/run.entity';
import { ScheduleEntity } from '../schedules/schedule.entity';
import { controlPlaneMigrations } from './migrations';

export const controlPlaneEntities = [RunEntity, EnvironmentEntity, ScheduleEntity];

/** The one description of the database connection, used by the app and the migration command. */
export function dataSourceOptions(databaseUrl: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: controlPlaneEntities,
    migrations: controlPlaneMigrations,
    migrationsTableName: 'typeorm_migrations',
    // Schema changes go through migrations only.
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000 },
  };
}
