import { DataSource, MigrationExecutor } from 'typeorm';

/** Any fixed number: the advisory lock that lets one replica migrate while the others wait. */
const MIGRATION_LOCK_ID = 7_302_118_001;

/** Applies pending migrations under a session advisory lock, so replicas can start at the same time. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    // Migrate on the session that holds the lock: a second connection could deadlock a pool of one.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
