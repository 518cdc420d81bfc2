/** Setting up what the benchmarks measure: a PostgreSQL server, a fresh database, the built control plane. */
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@oz/embedded-postgres';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '../..');

/** DATABASE_URL when set, else an embedded PostgreSQL in a temp folder (stop it when done). */
export async function postgresServer(): Promise<{ serverUrl: string; embedded?: EmbeddedPostgres }> {
  if (process.env.DATABASE_URL) return { serverUrl: process.env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'oz-bench-pg-')) });
  return { serverUrl: embedded.url, embedded };
}

export async function createBenchDatabase(serverUrl: string): Promise<string> {
  const name = `oz_bench_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Builds (Nx caches it) and starts dist/apps/control-plane/main.js on a random port; resolves once healthy. */
export async function startBuiltControlPlane(env: Record<string, string>): Promise<{ origin: string; process: ChildProcess }> {
  execSync('npx nx build control-plane', { cwd: ROOT, stdio: 'ignore' });
  const port = 18_000 + Math.floor(Math.random() * 1000);
  // e.g. BENCH_CONTROL_PLANE_NODE_ARGS=--cpu-prof to profile the server under the benchmark's load.
  const nodeArgs = (process.env.BENCH_CONTROL_PLANE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/apps/control-plane/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OZ_SCHEDULER_ENABLED: 'false',
      OZ_LOG_LEVEL: process.env.OZ_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`control plane exited with ${child.exitCode}`);
    const ok = await fetch(`${origin}/health`).then((r) => r.ok, () => false);
    if (ok) return { origin, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('control plane did not become healthy');
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
