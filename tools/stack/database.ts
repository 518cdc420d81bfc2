import { createWriteStream } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/embedded-postgres/src';

export interface StackDatabase {
  url: string;
  /** For the banner: where the data lives. */
  description: string;
  /** The embedded server's log file, when there is one. */
  logFile: string | null;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'oz';
const DEFAULT_EMBEDDED_PORT = 54329;

/** DATABASE_URL when given; otherwise an embedded PostgreSQL whose data stays in dataDir, its log in logDir. */
export async function provideDatabase(dataDir: string, logDir: string): Promise<StackDatabase> {
  const external = process.env['DATABASE_URL'];
  if (external) {
    const { hostname, port, pathname } = new URL(external);
    const description = `DATABASE_URL (${hostname}:${port || 5432}${pathname})`;
    return { url: external, description, logFile: null, stop: async () => undefined };
  }

  const clusterDir = join(dataDir, 'postgres');
  const logFile = join(logDir, 'postgres.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const port = embeddedPort();
  const server = await startEmbeddedPostgres({
    dataDir: clusterDir,
    port,
    log: (line) => log.write(`${line}\n`),
  });
  const stop = async () => {
    await server.stop();
    log.end();
  };
  try {
    await createDatabaseIfMissing(server.url, DATABASE_NAME);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: withDatabase(server.url, DATABASE_NAME),
    description: `${relative(process.cwd(), clusterDir) || clusterDir} (embedded PostgreSQL on 127.0.0.1:${port})`,
    logFile,
    stop,
  };
}

function embeddedPort(): number {
  const value = process.env['OZ_EMBEDDED_PG_PORT'];
  const port = value ? Number(value) : DEFAULT_EMBEDDED_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`OZ_EMBEDDED_PG_PORT must be a port number, got "${value}"`);
  }
  return port;
}

async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
