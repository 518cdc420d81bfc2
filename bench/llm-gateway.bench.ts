/**
 * LLM gateway benchmark: what the control plane's gateway adds to a provider call.
 *
 *   npm run bench:gateway        (DATABASE_URL = server to create a bench database on, else an
 *                                 embedded PostgreSQL in a temp folder)
 *   BENCH_SAMPLES, BENCH_CONCURRENCY, BENCH_SECONDS tune it.
 *
 * A local fake Anthropic provider (zero think time; streamed answers in three pieces) stands in for
 * the LLM; a scripted worker holds a run, whose task token the calls carry, as a task container's
 * harness CLI does. Measured in the same run, calls to the provider directly and through the gateway
 * alternating so both see the same machine:
 *   1. one call at a time, whole (JSON) and streamed (SSE, read to the end; and to the first event):
 *      p50 / p99 latency, the gateway's overhead and the ratio;
 *   2. throughput: N clients calling back to back, streamed, directly and through the gateway.
 * Each gateway call checks the task token in PostgreSQL, plans the route, passes the request on with
 * the server-side key, relays the answer event by event and counts its tokens on the run.
 */
import { connectScriptedWorker, startFakeAnthropicServer, type FakeLlmServer } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { fmt, percentile, runClosedLoop, type Stats } from './lib/measure';
import { createBenchDatabase, postgresServer, startBuiltControlPlane, stopProcess } from './lib/stack';

const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 300);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const WARM_UP = 30;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const WORKER_TOKEN = `bench-worker-${randomBytes(16).toString('hex')}`;
const PROVIDER_KEY = `sk-ant-bench-${randomBytes(16).toString('hex')}`;
const TENANT = `bench-tenant-${randomBytes(8).toString('hex')}`;

interface Target {
  pool: HttpPool;
  path: string;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const { serverUrl, embedded } = await postgresServer();
  const databaseUrl = await createBenchDatabase(serverUrl);
  const provider = await startFakeAnthropicServer({ apiKey: PROVIDER_KEY });
  const server = await startBuiltControlPlane({
    DATABASE_URL: databaseUrl,
    OZ_ADMIN_API_KEY: ADMIN_KEY,
    OZ_DB_POOL_SIZE: String(CONCURRENCY + 4),
    OZ_EXECUTOR_CONCURRENCY: '0',
    OZ_WORKER_TOKEN: WORKER_TOKEN,
    OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
    OZ_PROVIDER_CLAUDE_BASE_URL: provider.url,
    OZ_PROVIDER_CLAUDE_API_KEY: PROVIDER_KEY,
    OZ_PROVIDER_CLAUDE_MODEL: 'bench-model',
  });
  const taskToken = await heldRunToken(server.origin);
  const direct: Target = { pool: new HttpPool(provider.url, { connections: CONCURRENCY, pipelining: 1 }), path: '/v1/messages', headers: { 'x-api-key': PROVIDER_KEY } };
  const gateway: Target = {
    pool: new HttpPool(server.origin, { connections: CONCURRENCY, pipelining: 1 }),
    path: '/api/v1/llm/anthropic/v1/messages',
    headers: { 'x-api-key': taskToken },
  };
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    for (let i = 0; i < WARM_UP; i++) await Promise.all([call(direct, i % 2 === 0), call(gateway, i % 2 === 0)]);
    provider.reset();

    console.log(`\n== one call at a time, ${SAMPLES} samples each, direct and through the gateway alternating ==`);
    const whole = await alternate((target) => call(target, false), direct, gateway);
    const streamed = await alternate((target) => call(target, true), direct, gateway);
    const firstEvent = await alternate((target) => firstEventOf(target), direct, gateway);
    if (provider.requests.some((request) => request.headers['x-api-key'] !== PROVIDER_KEY)) throw new Error('a call reached the provider without its key');

    console.log(`\n== ${CONCURRENCY} clients back to back for ${SECONDS}s each, streamed ==`);
    const directLoad = await runClosedLoop(CONCURRENCY, SECONDS * 1000, () => call(direct, true));
    const gatewayLoad = await runClosedLoop(CONCURRENCY, SECONDS * 1000, () => call(gateway, true));

    const { rows } = await pool.query<{ calls: string }>(`SELECT (request_usage ->> 'calls') AS calls FROM runs WHERE request_usage IS NOT NULL`);
    console.log(`\n(the run counted ${rows[0]?.calls ?? 0} gateway calls)`);
    report(whole, streamed, firstEvent, directLoad, gatewayLoad);
  } finally {
    await direct.pool.close();
    await gateway.pool.close();
    await pool.end();
    await stopProcess(server.process);
    await provider.close();
    await embedded?.stop();
  }
}

/** A run a scripted worker took (assignment, claim): its task token opens the gateway. */
async function heldRunToken(origin: string): Promise<string> {
  const api = (path: string, body: unknown) =>
    fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${TENANT}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      (response) => response.json() as Promise<Record<string, string>>,
    );
  const environment = await api('/environments', { name: 'bench', docker_image: 'bench:latest' });
  const worker = await connectScriptedWorker(origin, WORKER_TOKEN, 'bench-worker');
  const run = await api('/agent/runs', { prompt: 'bench', config: { environment_id: environment['id'], harness: { type: 'claude' } } });
  const assignment = await worker.next('task_assignment');
  await worker.send('task_claimed', { task_id: run['run_id'] ?? '' });
  // The connection stays open (as a worker's would) until the process ends; the claim needs a moment to land.
  for (let i = 0; i < 100; i++) {
    const state = await fetch(`${origin}/api/v1/agent/runs/${run['run_id']}`, { headers: { authorization: `Bearer ${TENANT}` } }).then((r) => r.json() as Promise<{ state: string }>);
    if (state.state === 'CLAIMED') return assignment.env_vars?.['OZ_TASK_TOKEN'] ?? '';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the bench run was not claimed');
}

const body = (stream: boolean) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, stream, messages: [{ role: 'user', content: 'Bench prompt' }] });

async function call(target: Target, stream: boolean): Promise<void> {
  const response = await target.pool.request({
    method: 'POST',
    path: target.path,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...target.headers },
    body: body(stream),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${target.path} answered ${response.statusCode}: ${text}`);
  if (stream && !text.includes('message_stop')) throw new Error('the stream did not end properly');
}

/** Time to the first event of a streamed answer; the rest is read, untimed. */
async function firstEventOf(target: Target): Promise<number> {
  const t0 = performance.now();
  const response = await target.pool.request({
    method: 'POST',
    path: target.path,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...target.headers },
    body: body(true),
  });
  let first = 0;
  for await (const chunk of response.body) {
    if (!first && (chunk as Buffer).length) first = performance.now() - t0;
  }
  return first;
}

/** Latencies of `operation` on each target, the two alternating call by call. */
async function alternate(operation: (target: Target) => Promise<void | number>, direct: Target, gateway: Target): Promise<{ direct: number[]; gateway: number[] }> {
  const times = { direct: [] as number[], gateway: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, target] of (i % 2 === 0 ? [['direct', direct], ['gateway', gateway]] : [['gateway', gateway], ['direct', direct]]) as Array<['direct' | 'gateway', Target]>) {
      const t0 = performance.now();
      const measured = await operation(target);
      times[name].push(typeof measured === 'number' ? measured : performance.now() - t0);
    }
  }
  times.direct.sort((a, b) => a - b);
  times.gateway.sort((a, b) => a - b);
  return times;
}

function report(
  whole: { direct: number[]; gateway: number[] },
  streamed: { direct: number[]; gateway: number[] },
  firstEvent: { direct: number[]; gateway: number[] },
  directLoad: Stats,
  gatewayLoad: Stats,
): void {
  const row = (label: string, m: { direct: number[]; gateway: number[] }) => {
    const [d50, d99, g50, g99] = [percentile(m.direct, 50), percentile(m.direct, 99), percentile(m.gateway, 50), percentile(m.gateway, 99)];
    console.log(`| ${label} | ${fmt(d50, 2)} / ${fmt(d99, 2)} | ${fmt(g50, 2)} / ${fmt(g99, 2)} | +${fmt(g50 - d50, 2)} / +${fmt(g99 - d99, 2)} | ${fmt(g50 / d50, 2)}× / ${fmt(g99 / d99, 2)}× |`);
  };
  console.log('\n| one call at a time (ms) | provider directly p50 / p99 | through the gateway p50 / p99 | gateway overhead p50 / p99 | ratio p50 / p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  row('whole answer (JSON)', whole);
  row('streamed, to the last event', streamed);
  row('streamed, to the first event', firstEvent);
  console.log(`\n| ${CONCURRENCY} clients, streamed | provider directly | through the gateway | ratio |`);
  console.log('| --- | --- | --- | --- |');
  console.log(`| calls per s | ${fmt(directLoad.perSecond, 0)} | ${fmt(gatewayLoad.perSecond, 0)} | ${fmt(gatewayLoad.perSecond / directLoad.perSecond, 3)} |`);
  console.log(`| latency p50 / p99 ms | ${fmt(directLoad.p50Ms, 2)} / ${fmt(directLoad.p99Ms, 2)} | ${fmt(gatewayLoad.p50Ms, 2)} / ${fmt(gatewayLoad.p99Ms, 2)} | ${fmt(gatewayLoad.p50Ms / directLoad.p50Ms, 2)}× at p50 |`);
}

main()
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
