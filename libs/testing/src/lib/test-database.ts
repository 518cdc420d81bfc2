import { randomBytes } from 'node:crypto';
import { queryOnce } from './query-once';
import { testServerUrl } from './test-server';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  name: string;
  /** Disconnects whoever is still connected and drops the database. */
  drop(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const MAX_IDENTIFIER_LENGTH = 63;

/**
 * Creates a uniquely named database on the test server, so every test file gets its own and
 * files can run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(prefix = 'oz_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (!IDENTIFIER.test(prefix) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`database prefix must be a short lower-case identifier, got "${prefix}"`);
  }
  const serverUrl = testServerUrl();
  await queryOnce(serverUrl, `create database "${name}"`);

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () => (dropping ??= dropWithRetry(serverUrl, name)),
  };
}

/**
 * DROP … WITH (FORCE) run by a non-superuser cannot end an autovacuum worker that happens to be in the
 * database (42501, insufficient_privilege); such a worker finishes within moments, so try again.
 */
async function dropWithRetry(serverUrl: string, name: string): Promise<void> {
  await sessionsGone(serverUrl, name);
  for (let attempt = 1; ; attempt++) {
    try {
      await queryOnce(serverUrl, `drop database if exists "${name}" with (force)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * A pool's `end()` resolves when its clients have sent their goodbye, not when the server has let
 * them go: forcing the drop at that moment terminates sessions whose clients are still reading, and
 * they report it as an unhandled error in the test that just finished cleanly. Give them a moment.
 */
async function sessionsGone(serverUrl: string, name: string): Promise<void> {
  for (const deadline = Date.now() + 2_000; Date.now() < deadline; ) {
    const rows = await queryOnce<{ sessions: number }>(serverUrl, 'SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1', [name]);
    if ((rows[0]?.sessions ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
