import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The node-postgres pool under a TypeORM DataSource, for the few hot statements where TypeORM's
 * per-query QueryRunner costs more than the query itself (measured in bench/).
 */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Runs `work` in one transaction on a client of `pool`: committed when it returns, rolled back when it
 * throws (the error then propagates), the client released either way.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
