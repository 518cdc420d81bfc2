import { type DataSource, MigrationExecutor } from 'typeorm';

/**
 * Applies pending migrations under a session advisory lock, so replicas can start at the same time.
 * `lockId` is any fixed number, one per app, so apps sharing a database do not wait for each other.
 * `beforeMigrations` run first, under the lock (e.g. `CREATE SCHEMA IF NOT EXISTS`, which two replicas
 * running at once could otherwise both attempt and one fail).
 */
export async function runMigrations(dataSource: DataSource, lockId: number, beforeMigrations: string[] = []): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
    // Statements the migrations table itself depends on (its schema), run under the same lock.
    for (const statement of beforeMigrations) await runner.query(statement);
    // Migrate on the session that holds the lock: a second connection could deadlock a pool of one.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
    await runner.release();
  }
}
