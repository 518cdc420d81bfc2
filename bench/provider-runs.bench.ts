/**
 * Provider-runs benchmark (Remote API mode): what the control plane adds on top of the provider.
 *
 *   npm run bench:providers      (DATABASE_URL = server to create a bench database on, else an
 *                                 embedded PostgreSQL in a temp folder)
 *   BENCH_SAMPLES, BENCH_CONCURRENCY, BENCH_SECONDS tune it.
 *
 * A local fake provider speaking the OpenAI chat-completions protocol (streaming, zero think time)
 * stands in for the LLM. Measured in the same run:
 *   1. one run at a time: router overhead, from a run's `created_at` (it is QUEUED) to the provider
 *      receiving its request, and the whole run (create → SUCCEEDED seen), next to one direct call;
 *   2. throughput: a burst of runs created through the API, counted until all have SUCCEEDED, next
 *      to N clients calling the provider directly (N = the executor's concurrency).
 */
import { startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { fmt, percentile, runClosedLoop, type Stats } from './lib/measure';
import { createBenchDatabase, postgresServer, startBuiltControlPlane, stopProcess } from './lib/stack';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 200);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const BURST = Number(process.env['BENCH_BURST'] ?? 2000);
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const TOKEN = `bench-tenant-${randomBytes(8).toString('hex')}`;
const PROMPT_BODY = { model: 'fake-model', messages: [{ role: 'user', content: 'Bench prompt' }], max_tokens: 4096, stream: true };

async function main(): Promise<void> {
  const { serverUrl, embedded } = await postgresServer();
  const databaseUrl = await createBenchDatabase(serverUrl);
  const provider = await startFakeOpenAiServer();
  const server = await startBuiltControlPlane({
    DATABASE_URL: databaseUrl,
    OZ_ADMIN_API_KEY: ADMIN_KEY,
    OZ_DB_POOL_SIZE: String(CONCURRENCY + 4),
    OZ_EXECUTOR_CONCURRENCY: String(CONCURRENCY),
    OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
    OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
  });
  const pool = new Pool({ connectionString: databaseUrl, max: CONCURRENCY + 2 });
  const api = new HttpPool(server.origin, { connections: CONCURRENCY * 2, pipelining: 1 });
  const direct = new HttpPool(new URL(provider.url).origin, { connections: CONCURRENCY, pipelining: 1 });
  try {
    console.log(`\n== one run at a time, ${SAMPLES} samples ==`);
    const providerAlone = await sequentialProviderLatency(direct, provider);
    const single = await oneRunAtATime(api, pool, provider);
    console.log(`\n== ${CONCURRENCY} clients calling the provider directly for ${SECONDS}s ==`);
    const directLoad = await runClosedLoop(CONCURRENCY, SECONDS * 1000, () => callProvider(direct, provider));
    console.log(`\n== a burst of ${BURST} runs created by ${CONCURRENCY} clients, until all have SUCCEEDED ==`);
    const burst = await burstThroughput(api, pool);
    report(providerAlone, single, directLoad, burst);
  } finally {
    await api.close();
    await direct.close();
    await pool.end();
    await stopProcess(server.process);
    await provider.close();
    await embedded?.stop();
  }
}

/** The provider's own latency: one streamed request, read to the end. */
async function sequentialProviderLatency(direct: HttpPool, provider: FakeLlmServer): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await callProvider(direct, provider);
    latencies.push(performance.now() - t0);
  }
  return latencies.sort((a, b) => a - b);
}

async function callProvider(direct: HttpPool, provider: FakeLlmServer): Promise<void> {
  const response = await direct.request({
    method: 'POST',
    path: `${new URL(provider.url).pathname}/chat/completions`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(PROMPT_BODY),
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`provider answered ${response.statusCode}`);
}

/**
 * For each run: from `created_at` (stamped by the database when the run is queued) to the moment
 * the fake provider received the request for it. Both clocks are this machine's.
 */
async function oneRunAtATime(api: HttpPool, pool: Pool, provider: FakeLlmServer): Promise<{ overhead: number[]; whole: number[] }> {
  const overheads: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const before = provider.requests.length;
    const t0 = performance.now();
    const runId = await createRun(api, `overhead sample ${i}`);
    await waitFor(() => provider.requests.length > before);
    const request = provider.requests[before];
    const { rows } = await pool.query<{ created_ms: string }>(
      `SELECT (extract(epoch FROM created_at) * 1000)::bigint AS created_ms FROM runs WHERE id = $1`,
      [runId],
    );
    overheads.push(request.receivedAt - Number(rows[0]?.created_ms));
    if ((await waitForState(pool, runId)) !== 'SUCCEEDED') throw new Error(`run ${runId} did not succeed`);
    whole.push(performance.now() - t0);
  }
  return { overhead: overheads.sort((a, b) => a - b), whole: whole.sort((a, b) => a - b) };
}

/**
 * Executor throughput without clients polling each run: create BURST runs as fast as the API takes
 * them, then count until every one has ended. Runs/s = BURST / (first create → last SUCCEEDED).
 */
async function burstThroughput(api: HttpPool, pool: Pool): Promise<{ perSecond: number; createPerSecond: number }> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM runs`);
  const before = Number(rows[0]?.n);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < BURST) {
        next++;
        await createRun(api, 'Bench prompt');
      }
    }),
  );
  const created = performance.now();
  for (;;) {
    const { rows: done } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM runs WHERE state IN ('SUCCEEDED','FAILED','CANCELLED')`,
    );
    if (Number(done[0]?.n) >= before + BURST) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { rows: failed } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM runs WHERE state <> 'SUCCEEDED'`);
  if (Number(failed[0]?.n) > 0) throw new Error(`${failed[0]?.n} runs did not succeed`);
  const elapsed = performance.now() - started;
  return { perSecond: (BURST / elapsed) * 1000, createPerSecond: (BURST / (created - started)) * 1000 };
}

async function createRun(api: HttpPool, prompt: string): Promise<string> {
  const response = await api.request({
    method: 'POST',
    path: '/api/v1/agent/runs',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ prompt }),
  });
  const body = (await response.body.json()) as { run_id: string };
  if (response.statusCode !== 201 && response.statusCode !== 200) throw new Error(`create answered ${response.statusCode}`);
  return body.run_id;
}

/** Polls the row (cheaper and finer-grained than polling the API) until the run has ended. */
async function waitForState(pool: Pool, runId: string): Promise<string> {
  for (;;) {
    const { rows } = await pool.query<{ state: string }>(`SELECT state FROM runs WHERE id = $1`, [runId]);
    const state = rows[0]?.state;
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') return state;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('timed out');
}

function report(
  providerAlone: number[],
  single: { overhead: number[]; whole: number[] },
  directLoad: Stats,
  burst: { perSecond: number; createPerSecond: number },
): void {
  const p = (sorted: number[]) => `${fmt(percentile(sorted, 50), 2)} / ${fmt(percentile(sorted, 99), 2)}`;
  console.log('\n| measure | provider alone | through the control plane | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| one call, p50 / p99 ms | ${p(providerAlone)} | queued → provider request: ${p(single.overhead)} | |`);
  console.log(
    `| one call, p50 / p99 ms | ${p(providerAlone)} | create → SUCCEEDED seen: ${p(single.whole)} | ` +
      `${fmt(percentile(single.whole, 50) / percentile(providerAlone, 50), 1)}× at p50 |`,
  );
  console.log(
    `| calls or runs per s (${CONCURRENCY} at a time) | ${fmt(directLoad.perSecond, 0)} | ${fmt(burst.perSecond, 0)} ` +
      `(burst of ${BURST}, created at ${fmt(burst.createPerSecond, 0)}/s) | ${fmt(burst.perSecond / directLoad.perSecond, 3)} |`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
