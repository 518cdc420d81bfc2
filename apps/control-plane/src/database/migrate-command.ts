import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../config/control-plane.config';
import { CONTROL_PLANE_MIGRATION_LOCK, dataSourceOptions } from './data-source-options';
import { runMigrations } from '@oz/server-kit';

/** `main.js migrate`: apply pending migrations and exit, for deploy jobs and init containers. */
export async function migrateCommand(config: ControlPlaneConfig): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, 1)).initialize();
  try {
    const applied = await runMigrations(dataSource, CONTROL_PLANE_MIGRATION_LOCK);
    process.stdout.write(
      JSON.stringify({ msg: 'migrations.applied', migrations: applied }) + '\n',
    );
  } finally {
    await dataSource.destroy();
  }
}
