import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The node-postgres pool under a TypeORM DataSource, for the few hot statements where TypeORM's
 * per-query QueryRunner costs more than the query itself (measured in bench/).
 */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
