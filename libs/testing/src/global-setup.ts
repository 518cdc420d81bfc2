import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
// Jest loads global setup with Node's own resolver, which knows nothing of tsconfig paths.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startEmbeddedPostgres } from '../../embedded-postgres/src';
import { removeAbandonedClusters } from './lib/abandoned-clusters';
import { TEST_SERVER_URL_VARIABLE } from './lib/test-server';
import { setTestServer } from './lib/test-server-handle';

const CLUSTER_DIR_PREFIX = 'oz-test-pg-';

/**
 * Jest globalSetup: provides a PostgreSQL server for the run. DATABASE_URL wins (CI brings its
 * own server); otherwise a throwaway embedded server starts in a fresh temp dir.
 */
export default async function globalSetup(): Promise<void> {
  const existing = process.env['DATABASE_URL'];
  if (existing) {
    await assertReachable(existing);
    process.env[TEST_SERVER_URL_VARIABLE] = existing;
    return;
  }
  await removeAbandonedClusters(tmpdir(), CLUSTER_DIR_PREFIX);
  const server = await startEmbeddedPostgres({
    // The temp dir itself is the data dir; see the lib's README about running as root.
    dataDir: await mkdtemp(join(tmpdir(), CLUSTER_DIR_PREFIX)),
    persistent: false,
  });
  setTestServer(server);
  process.env[TEST_SERVER_URL_VARIABLE] = server.url;
}

async function assertReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const { hostname, port } = new URL(url);
    const reason = (error as Error).message;
    throw new Error(`DATABASE_URL (${hostname}:${port || 5432}) is not reachable: ${reason}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
