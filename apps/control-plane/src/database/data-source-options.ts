import type { DataSourceOptions } from 'typeorm';
import { EnvironmentEntity } from '../environments/environment.entity';
import { RunEntity } from '../runs/run.entity';
import { ScheduleEntity } from '../schedules/schedule.entity';
import { controlPlaneMigrations } from './migrations';

/** Any fixed number: the advisory lock that lets one replica migrate while the others wait. */
export const CONTROL_PLANE_MIGRATION_LOCK = 7_302_118_001;

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
