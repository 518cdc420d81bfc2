/** Setting up what the benchmarks measure: a PostgreSQL server, a fresh database, the built apps. */
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
  if (process.env['DATABASE_URL']) return { serverUrl: process.env['DATABASE_URL'] };
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

const built = new Set<string>();

/**
 * Builds an app (once per run; Nx caches it) and starts dist/apps/<app>/main.js on a random loopback
 * port; resolves once /health answers. BENCH_NODE_ARGS (e.g. --cpu-prof) profiles the server under
 * the benchmark's load.
 */
export async function startBuiltServer(app: string, env: Record<string, string>): Promise<{ origin: string; process: ChildProcess }> {
  if (!built.has(app)) execSync(`npx nx build ${app}`, { cwd: ROOT, stdio: 'ignore' });
  built.add(app);
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/apps', app, 'main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', OZ_LOG_LEVEL: process.env['OZ_LOG_LEVEL'] ?? 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
    const ok = await fetch(`${origin}/health`).then((r) => r.ok, () => false);
    if (ok) return { origin, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${app} did not become healthy`);
}

/** The control plane, its scheduler off (benchmarks create their own load). */
export function startBuiltControlPlane(env: Record<string, string>): Promise<{ origin: string; process: ChildProcess }> {
  return startBuiltServer('control-plane', { OZ_SCHEDULER_ENABLED: 'false', ...env });
}

export function startBuiltWorkspace(env: Record<string, string>): Promise<{ origin: string; process: ChildProcess }> {
  return startBuiltServer('workspace-api', env);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
