/**
 * Provider-runs benchmark (Remote API mode): what the control plane adds on top of the provider.
 *
 *   npm run bench:providers      (DATABASE_URL = server to create a bench database on, else an
 *                                 embedded PostgreSQL in a temp folder)
 *   BENCH_SAMPLES, BENCH_CONCURRENCY, BENCH_SECONDS tune it.
 *
 * A local fake provider speaking the OpenAI chat-completions protocol (streaming, zero think time)
 * stands in for the LLM. Measured in the same run:
 *   1. router overhead: a run's `created_at` (it is QUEUED) → the provider receiving its request,
 *      one run at a time, next to one direct request to the provider;
 *   2. end-to-end runs/s: N clients each creating a run through the API and waiting for SUCCEEDED,
 *      next to N clients calling the provider directly with the same request.
 */
import { startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { fmt, percentile, runClosedLoop, type Stats } from './lib/measure';
import { createBenchDatabase, postgresServer, startBuiltControlPlane, stopProcess } from './lib/stack';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
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
    const overhead = await routerOverhead(api, pool, provider);
    console.log(`\n== ${CONCURRENCY} concurrent clients, ${SECONDS}s each ==`);
    const directLoad = await runClosedLoop(CONCURRENCY, SECONDS * 1000, () => callProvider(direct, provider));
    const endToEnd = await runClosedLoop(CONCURRENCY, SECONDS * 1000, () => runToCompletion(api, pool));
    report(providerAlone, overhead, directLoad, endToEnd);
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
async function routerOverhead(api: HttpPool, pool: Pool, provider: FakeLlmServer): Promise<number[]> {
  const overheads: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const before = provider.requests.length;
    const runId = await createRun(api, `overhead sample ${i}`);
    await waitFor(() => provider.requests.length > before);
    const request = provider.requests[before];
    const { rows } = await pool.query<{ created_ms: string }>(
      `SELECT (extract(epoch FROM created_at) * 1000)::bigint AS created_ms FROM runs WHERE id = $1`,
      [runId],
    );
    overheads.push(request.receivedAt - Number(rows[0]?.created_ms));
    await waitForState(pool, runId);
  }
  return overheads.sort((a, b) => a - b);
}

async function runToCompletion(api: HttpPool, pool: Pool): Promise<void> {
  const runId = await createRun(api, 'Bench prompt');
  const state = await waitForState(pool, runId);
  if (state !== 'SUCCEEDED') throw new Error(`run ${runId} ended ${state}`);
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

function report(providerAlone: number[], overhead: number[], directLoad: Stats, endToEnd: Stats): void {
  console.log('\n| measure | provider alone | through the control plane | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| one call, p50 / p99 ms | ${fmt(percentile(providerAlone, 50), 2)} / ${fmt(percentile(providerAlone, 99), 2)} | ` +
      `queued → provider request: ${fmt(percentile(overhead, 50), 2)} / ${fmt(percentile(overhead, 99), 2)} | |`,
  );
  console.log(
    `| ${CONCURRENCY} clients, calls or runs per s | ${fmt(directLoad.perSecond, 0)} | ${fmt(endToEnd.perSecond, 0)} | ` +
      `${fmt(endToEnd.perSecond / directLoad.perSecond, 2)} |`,
  );
  console.log(
    `| ${CONCURRENCY} clients, p50 / p99 ms | ${fmt(directLoad.p50Ms, 2)} / ${fmt(directLoad.p99Ms, 2)} | ` +
      `${fmt(endToEnd.p50Ms, 2)} / ${fmt(endToEnd.p99Ms, 2)} (create → SUCCEEDED seen) | |`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
