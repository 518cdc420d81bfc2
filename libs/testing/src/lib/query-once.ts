import { Client } from 'pg';

/** One statement on its own short-lived connection: for set-up and checks outside any app's pool. */
export async function queryOnce<T = Record<string, unknown>>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}
