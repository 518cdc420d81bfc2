import type { DataSourceOptions } from 'typeorm';
import { workspaceMigrations } from './migrations';

/** Any fixed number, distinct from the control plane's: replicas of this app migrate one at a time. */
export const WORKSPACE_MIGRATION_LOCK = 7_302_118_002;

/**
 * The one description of the database connection. Every connection's search_path is the workspace
 * schema, so the workspace's tables (and its provider quota tables) never meet the control plane's
 * when both use one database.
 */
export function dataSourceOptions(databaseUrl: string, schema: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema,
    migrations: workspaceMigrations,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000, options: `-c search_path=${schema}` },
  };
}
