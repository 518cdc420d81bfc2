import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../config/control-plane.config';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrate';

/** `main.js migrate`: apply pending migrations and exit, for deploy jobs and init containers. */
export async function migrateCommand(config: ControlPlaneConfig): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(config.databaseUrl, 1)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    process.stdout.write(
      JSON.stringify({ msg: 'migrations.applied', migrations: applied }) + '\n',
    );
  } finally {
    await dataSource.destroy();
  }
}
