import { Client } from 'pg';
import { queryOnce as query } from './query-once';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testServerUrl } from './test-server';


async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(testServerUrl(), `select 1 from pg_database where datname = '${name}'`);
  return rows.length > 0;
}

describe('createTestDatabase', () => {
  const created: TestDatabase[] = [];

  afterAll(async () => {
    await Promise.all(created.map((database) => database.drop()));
  });

  it('gives every call its own usable database', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    created.push(first, second);

    expect(first.name).not.toBe(second.name);
    expect(first.name).toMatch(new RegExp(`^oz_test_${process.pid}_[0-9a-f]{8}$`));
    await query(first.url, 'create table only_in_first (id int)');
    const findTable = "select to_regclass('only_in_first') is not null as found";
    expect(await query(first.url, findTable)).toEqual([{ found: true }]);
    expect(await query(second.url, findTable)).toEqual([{ found: false }]);
  });

  it('drops the database even while a client is still connected', async () => {
    const database = await createTestDatabase('oz_drop_check');
    created.push(database);
    const lingering = new Client({ connectionString: database.url });
    lingering.on('error', () => undefined); // it is about to be terminated
    await lingering.connect();

    await database.drop();

    expect(await databaseExists(database.name)).toBe(false);
    await lingering.end().catch(() => undefined);
    await database.drop(); // a second drop is harmless
  });

  it('rejects a prefix that is not a plain identifier', async () => {
    await expect(createTestDatabase('Bad-Prefix')).rejects.toThrow(/prefix/);
  });
});
