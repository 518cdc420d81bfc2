import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { pickFreePort } from './free-port';
import { serverAccount } from './server-account';
import { startEmbeddedPostgres } from './embedded-postgres';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  let dataDir: string;

  beforeEach(async () => {
    // The temp dir itself is the data dir: as root it gets handed to the postgres account,
    // which could not enter a root-only (0700) parent.
    dataDir = await mkdtemp(join(tmpdir(), 'oz-embedded-pg-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves queries and extensions, and keeps its data across a restart', async () => {
    const first = await startEmbeddedPostgres({ dataDir });
    try {
      const { password } = new URL(first.url);
      expect(first.url).toBe(`postgres://postgres:${password}@127.0.0.1:${first.port}/postgres`);
      expect(await query(first.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      await query(first.url, 'create extension if not exists pg_trgm');
      await query(first.url, "create table survivors (name text); insert into survivors values ('ada')");
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.url, 'select name from survivors')).toEqual([{ name: 'ada' }]);
    } finally {
      await second.stop();
    }
  });

  it('starts despite a postmaster.pid whose pid now belongs to an unrelated process', async () => {
    const server = await startEmbeddedPostgres({ dataDir });
    await server.stop();
    // What a killed server leaves behind once the kernel hands its pid to another process of the
    // same account (PostgreSQL itself already ignores pids it may not signal).
    const stranger = spawn('sleep', ['30'], { uid: serverAccount()?.uid, gid: serverAccount()?.gid });
    try {
      await writeFile(join(dataDir, 'postmaster.pid'), `${stranger.pid}\n${dataDir}\n`);
      const restarted = await startEmbeddedPostgres({ dataDir });
      expect(await query(restarted.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      await restarted.stop();
    } finally {
      stranger.kill();
    }
  });

  it('refuses a second server on a data directory that is in use', async () => {
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already running/);
    } finally {
      await server.stop();
    }
  });

  it('listens on the requested port and deletes a non-persistent data directory on stop', async () => {
    const port = await pickFreePort();
    const server = await startEmbeddedPostgres({ dataDir, port, persistent: false });
    expect(server.port).toBe(port);
    expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    await server.stop();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('stops idempotently', async () => {
    const server = await startEmbeddedPostgres({ dataDir });
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
  });
});

describe('pickFreePort', () => {
  it('returns a port that can be bound on the loopback interface', async () => {
    const port = await pickFreePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
