import { runMigrations } from '@oz/server-kit';
import { DataSource } from 'typeorm';
import type { WorkspaceConfig } from '../config/workspace.config';
import { dataSourceOptions, WORKSPACE_MIGRATION_LOCK } from './data-source-options';

/**
 * Applies the workspace's pending migrations under its migration lock (replicas may start together).
 * The schema is created first, under the lock, because TypeORM looks for its migrations table in it.
 */
export function migrateWorkspace(dataSource: DataSource, schema: string): Promise<string[]> {
  return runMigrations(dataSource, WORKSPACE_MIGRATION_LOCK, [`CREATE SCHEMA IF NOT EXISTS ${schema}`]);
}

/** `main.js migrate`: apply pending migrations and exit, for deploy jobs (then run servers with OZ_MIGRATE_ON_START=false). */
export async function migrateCommand(config: WorkspaceConfig): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, config.databaseSchema, 1)).initialize();
  try {
    const applied = await migrateWorkspace(dataSource, config.databaseSchema);
    process.stdout.write(`${JSON.stringify({ msg: 'migrations.applied', migrations: applied })}\n`);
  } finally {
    await dataSource.destroy();
  }
}
