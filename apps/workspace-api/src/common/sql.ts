import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { pgPool } from '@oz/server-kit';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';

export interface SqlRunner {
  rows<T>(text: string, params?: unknown[]): Promise<T[]>;
  row<T>(text: string, params?: unknown[]): Promise<T | null>;
  /** Rows changed by an UPDATE or DELETE. */
  affected(text: string, params?: unknown[]): Promise<number>;
}

/**
 * Plain parameterised SQL on the pool under TypeORM's DataSource (TypeORM keeps the connection and the
 * migrations). Repositories use this one shape for every statement: rows in, rows out.
 */
@Injectable()
export class Sql implements SqlRunner {
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = pgPool(dataSource);
  }

  async rows<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  async row<T>(text: string, params: unknown[] = []): Promise<T | null> {
    return ((await this.pool.query(text, params)).rows[0] as T | undefined) ?? null;
  }

  async affected(text: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(text, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(clientRunner(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function clientRunner(client: PoolClient): SqlRunner {
  return {
    rows: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    row: async <T>(text: string, params: unknown[] = []) => ((await client.query(text, params)).rows[0] as T | undefined) ?? null,
    affected: async (text: string, params: unknown[] = []) => (await client.query(text, params)).rowCount ?? 0,
  };
}
