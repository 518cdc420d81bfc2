import { DataSource } from 'typeorm';

/** Any fixed number: the advisory lock that lets one replica migrate while the others wait. */
const MIGRATION_LOCK_ID = 7_302_118_001;

/** Applies pending migrations under a session advisory lock, so replicas can start at the same time. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
