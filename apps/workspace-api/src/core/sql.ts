import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@oz/server-kit';
import type { Pool, PoolClient } from 'pg';

/**
 * The node-postgres pool under TypeORM's DataSource (TypeORM keeps the connection settings and runs
 * the migrations). Created once by CoreModule; inject it with `@Inject(PG_POOL)`.
 */
export const PG_POOL = Symbol('PG_POOL');

export interface SqlRunner {
  rows<T>(text: string, params?: unknown[]): Promise<T[]>;
  row<T>(text: string, params?: unknown[]): Promise<T | null>;
  /** The row a statement cannot fail to return (INSERT … RETURNING, a row just written); throws when there is none. */
  one<T>(text: string, params?: unknown[]): Promise<T>;
  /** Rows changed by an UPDATE or DELETE. */
  affected(text: string, params?: unknown[]): Promise<number>;
}

/** Plain parameterised SQL on the pool. Repositories use this one shape for every statement: rows in, rows out. */
@Injectable()
export class Sql implements SqlRunner {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async rows<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  async row<T>(text: string, params: unknown[] = []): Promise<T | null> {
    return ((await this.pool.query(text, params)).rows[0] as T | undefined) ?? null;
  }

  async one<T>(text: string, params: unknown[] = []): Promise<T> {
    return exactlyOne(await this.rows<T>(text, params));
  }

  async affected(text: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(text, params)).rowCount ?? 0;
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client) => work(clientRunner(client)));
  }
}

function exactlyOne<T>(rows: T[]): T {
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0];
}

function clientRunner(client: PoolClient): SqlRunner {
  return {
    rows: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    row: async <T>(text: string, params: unknown[] = []) => ((await client.query(text, params)).rows[0] as T | undefined) ?? null,
    one: async <T>(text: string, params: unknown[] = []) => exactlyOne((await client.query(text, params)).rows as T[]),
    affected: async (text: string, params: unknown[] = []) => (await client.query(text, params)).rowCount ?? 0,
  };
}
