/**
 * Worker-mode benchmark: what the control plane and worker add to starting a task container.
 *
 *   npm run bench:workers       (needs a Docker engine; DATABASE_URL as for the other benchmarks)
 *   BENCH_SAMPLES, BENCH_WORKERS, BENCH_BURST tune it.
 *
 * Measured in the same run, with the same image and mounts:
 *   1. dispatch latency, one run at a time: API create → the task container started (the run's
 *      `started_at`, stamped when the worker reports the container running), next to a raw
 *      `docker create` + `start` of the same image through the Docker API;
 *   2. sustained runs per minute: a burst of runs over N workers (2 tasks each) until all succeed.
 */
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Pool } from 'pg';
import { fmt, percentile } from './lib/measure';
import { createBenchDatabase, postgresServer, startBuiltControlPlane, stopProcess } from './lib/stack';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 30);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 3);
const BURST = Number(process.env['BENCH_BURST'] ?? 60);
const ROOT = join(__dirname, '..');
const SIDECAR = 'oz-sidecar:bench';
const IMAGE = 'oz-test-task:bench';
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const WORKER_TOKEN = `bench-worker-${randomBytes(16).toString('hex')}`;
const TOKEN = `bench-tenant-${randomBytes(8).toString('hex')}`;

async function main(): Promise<void> {
  execFileSync(join(ROOT, 'docker/sidecar/build.sh'), [SIDECAR], { stdio: 'pipe' });
  execFileSync(join(ROOT, 'docker/test-task/build.sh'), [IMAGE], { stdio: 'pipe' });
  execSync('npx nx build worker', { cwd: ROOT, stdio: 'ignore' });
  const { serverUrl, embedded } = await postgresServer();
  const databaseUrl = await createBenchDatabase(serverUrl);
  const server = await startBuiltControlPlane({
    DATABASE_URL: databaseUrl,
    OZ_ADMIN_API_KEY: ADMIN_KEY,
    OZ_WORKER_TOKEN: WORKER_TOKEN,
    OZ_WORKER_SIDECAR_IMAGE: SIDECAR,
    OZ_EXECUTOR_CONCURRENCY: '0',
  });
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const workers: ChildProcess[] = [];
  const docker = new Docker();
  try {
    const environmentId = await createEnvironment(server.origin);
    console.log(`\n== one run at a time, ${SAMPLES} samples ==`);
    const raw = await rawDockerStarts(docker);
    workers.push(startWorker(server.origin, 'bench-worker-0'));
    await waitForWorkers(server.origin, 1);
    const dispatched = await dispatchLatencies(server.origin, pool, environmentId);
    console.log(`\n== a burst of ${BURST} runs over ${WORKERS} workers ==`);
    for (let i = 1; i < WORKERS; i++) workers.push(startWorker(server.origin, `bench-worker-${i}`));
    await waitForWorkers(server.origin, WORKERS);
    const perMinute = await burst(server.origin, pool, environmentId);
    report(raw, dispatched, perMinute);
  } finally {
    for (const worker of workers) await stopProcess(worker);
    await pool.end();
    await stopProcess(server.process);
    await embedded?.stop();
  }
}

/** Create + start of the same image, entrypoint and limits, straight through the Docker API. */
async function rawDockerStarts(docker: Docker): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    const container = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['sh', '-c', 'exit 0'],
      WorkingDir: '/workspace',
      HostConfig: { NetworkMode: 'none', Memory: 256 * 1024 * 1024, SecurityOpt: ['no-new-privileges'], CapDrop: ['ALL'] },
    });
    await container.start();
    times.push(performance.now() - t0);
    await container.wait();
    await container.remove({ force: true });
  }
  return times.sort((a, b) => a - b);
}

/** API create → `started_at` (the worker saw the container start), one run at a time. */
async function dispatchLatencies(origin: string, pool: Pool, environmentId: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const before = Date.now();
    const runId = await createRun(origin, environmentId);
    const state = await waitForEnd(pool, runId);
    if (state !== 'SUCCEEDED') throw new Error(`run ${runId} ended ${state}`);
    const { rows } = await pool.query<{ started_ms: string }>(
      `SELECT (extract(epoch FROM started_at) * 1000)::bigint AS started_ms FROM runs WHERE id = $1`,
      [runId],
    );
    times.push(Number(rows[0]?.started_ms) - before);
  }
  return times.sort((a, b) => a - b);
}

async function burst(origin: string, pool: Pool, environmentId: string): Promise<number> {
  const started = performance.now();
  const ids = await Promise.all(Array.from({ length: BURST }, () => createRun(origin, environmentId)));
  for (const id of ids) {
    const state = await waitForEnd(pool, id);
    if (state !== 'SUCCEEDED') throw new Error(`run ${id} ended ${state}`);
  }
  return (BURST / (performance.now() - started)) * 60_000;
}

async function createEnvironment(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/environments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', docker_image: IMAGE, env_vars: { OZ_AGENT_COMMAND: 'echo done' } }),
  });
  return ((await response.json()) as { id: string }).id;
}

async function createRun(origin: string, environmentId: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/agent/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'bench', config: { environment_id: environmentId } }),
  });
  return ((await response.json()) as { run_id: string }).run_id;
}

async function waitForEnd(pool: Pool, runId: string): Promise<string> {
  for (;;) {
    const { rows } = await pool.query<{ state: string }>(`SELECT state FROM runs WHERE id = $1`, [runId]);
    const state = rows[0]?.state ?? '';
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function startWorker(origin: string, workerId: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'dist/apps/worker/main.js'), '--worker-id', workerId, '--max-concurrent-tasks', '2'], {
    env: { ...process.env, OZ_CONTROL_PLANE_URL: origin, OZ_WORKER_API_KEY: WORKER_TOKEN, OZ_TASK_NETWORK: 'none', OZ_TASK_MEMORY_MB: '256', OZ_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitForWorkers(origin: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${origin}/api/v1/agent/connected-self-hosted-workers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const { workers } = (await response.json()) as { workers: unknown[] };
    if (workers.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${count} workers did not connect`);
}

function report(raw: number[], dispatched: number[], perMinute: number): void {
  const p = (sorted: number[]) => `${fmt(percentile(sorted, 50), 0)} / ${fmt(percentile(sorted, 99), 0)}`;
  console.log('\n| measure | raw Docker API | through control plane + worker | overhead |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| container started, p50 / p99 ms | ${p(raw)} | ${p(dispatched)} | ` +
      `${fmt(percentile(dispatched, 50) - percentile(raw, 50), 0)} ms at p50 (target < 250) |`,
  );
  console.log(`| sustained, ${WORKERS} workers × 2 tasks | | ${fmt(perMinute, 0)} runs/min | |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
