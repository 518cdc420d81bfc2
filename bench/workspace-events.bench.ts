/**
 * Workspace SSE fan-out benchmark: how long a room event takes to reach N subscribers of the room.
 *
 *   npm run bench:workspace-events   (DATABASE_URL = server to create a bench database on, else an
 *                                     embedded PostgreSQL; REDIS_URL, default redis://127.0.0.1:6379)
 *   BENCH_SUBSCRIBERS (default 1,100,1000), BENCH_SAMPLES (events per N, default 100) and
 *   BENCH_REDIS_SAMPLES (default 200) tune it.
 *
 * Measured in the same run, on the same machine (subscribers and publisher share this process):
 *   1. the baseline, a bare Redis round trip: one ioredis client blocked in `XREAD BLOCK 0`, another
 *      doing `XADD`; from before the `XADD` to the `XREAD` reply;
 *   2. for each N: N SSE streams open on one room, then events published one at a time through the
 *      API (`POST /api/rooms/:id/messages`, no @mention, so no agent runs); the next is published once
 *      every subscriber has the previous one. Latency is from just before the POST to the moment a
 *      subscriber's chunk holding the event reaches this process: "a subscriber" pools every
 *      (subscriber, event) pair, "last subscriber" is the slowest subscriber of each event. The POST's
 *      own round trip (database insert included) is shown beside them, and so is the time from the
 *      bus stamping the event (the `<ms>` of its id, after the route's database work) to the last
 *      subscriber, at the 1 ms resolution of that stamp;
 *      - through the workspace API with its in-process bus (no REDIS_URL), with Redis Streams
 *        (REDIS_URL), and across replicas (two processes sharing Redis: subscribers on B, POSTs on A);
 *      - through a bare SSE server (node:http, no framework, database or auth) that fans out either
 *        directly or through `XADD` + one `XREAD` reader: the floor for the same N on this machine.
 * Ratios are against the Redis round trip and against the bare server with the same bus.
 *
 * Reading it: this process parses every subscriber's stream, so at large N the "last subscriber" and
 * even the POST's reply (which waits behind those chunks here) include this client's own work, on the
 * same cores as the servers; the bare server's rows carry the same cost, hence the ratio against them.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Pool as HttpPool } from 'undici';
import { fmt, percentile } from './lib/measure';
import { SseSubscribers, startBareSseServer } from './lib/sse';
import { createBenchDatabase, postgresServer, startBuiltWorkspace, stopProcess } from './lib/stack';

const SUBSCRIBERS = (process.env['BENCH_SUBSCRIBERS'] ?? '1,100,1000').split(',').map(Number);
const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 100);
const REDIS_SAMPLES = Number(process.env['BENCH_REDIS_SAMPLES'] ?? 200);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const WARMUP = 5;
const EVENT_TIMEOUT_MS = 10_000;
const PASSWORD = 'Correct-Horse-Battery-42';

/** Where to subscribe and how to publish one event carrying `content`. */
interface Room {
  url: string;
  headers: Record<string, string>;
  publish(content: string): Promise<void>;
}

/** One way through: a name, and a fresh room for each N. */
interface Target {
  name: string;
  bus: 'in-process' | 'redis';
  bare: boolean;
  room(): Promise<Room>;
}

/** The event in flight: what subscribers match it by, and how many still have to receive it. */
interface PendingEvent {
  tag: string;
  sentAt: number;
  remaining: number;
  lastAt: number;
  /** Wall-clock ms of the bus's stamp on the event: the `<ms>` of its `<ms>-<seq>` id. */
  stampMs: number;
  record: boolean;
  done: () => void;
}

interface FanOut {
  postMs: number[];
  /** Every (subscriber, event) pair received. */
  anyMs: number[];
  /** Per event, when its last subscriber got it (events that reached all N). */
  lastMs: number[];
  /** Per event, from the bus stamping it (inside the server, after the route's database work) to its last subscriber; 1 ms resolution. */
  stampToLastMs: number[];
  lost: number;
}

async function main(): Promise<void> {
  const { serverUrl, embedded } = await postgresServer();
  const databaseUrl = await createBenchDatabase(serverUrl);
  const workspaceEnv = { DATABASE_URL: databaseUrl, OZ_SSE_HEARTBEAT_MS: '300000' };
  const servers: { process: ChildProcess }[] = [];
  const clients: HttpPool[] = [];
  try {
    // Started one after another: all share the database (and its migrations).
    const inProcess = await startBuiltWorkspace({ ...workspaceEnv, REDIS_URL: '' });
    servers.push(inProcess);
    const replicaA = await startBuiltWorkspace({ ...workspaceEnv, REDIS_URL });
    servers.push(replicaA);
    const replicaB = await startBuiltWorkspace({ ...workspaceEnv, REDIS_URL });
    servers.push(replicaB);
    const bareDirect = await startBareSseServer(null);
    servers.push(bareDirect);
    const bareRedis = await startBareSseServer(REDIS_URL);
    servers.push(bareRedis);

    const pool = (origin: string) => {
      const client = new HttpPool(origin, { connections: 1, pipelining: 1 });
      clients.push(client);
      return client;
    };
    const token = await signUp(pool(inProcess.origin));
    const targets: Target[] = [
      bareTarget('bare SSE server', 'in-process', bareDirect.origin, pool(bareDirect.origin)),
      workspaceTarget('workspace API', 'in-process', inProcess.origin, pool(inProcess.origin), token),
      bareTarget('bare SSE server', 'redis', bareRedis.origin, pool(bareRedis.origin)),
      workspaceTarget('workspace API', 'redis', replicaA.origin, pool(replicaA.origin), token),
      workspaceTarget('workspace API, POST on A, SSE on B', 'redis', replicaB.origin, pool(replicaA.origin), token),
    ];

    console.log(`\n== bare Redis XADD → XREAD, ${REDIS_SAMPLES} samples ==`);
    const redisMs = await redisRoundTrip();
    const results: { target: Target; n: number; fanOut: FanOut }[] = [];
    for (const n of SUBSCRIBERS) {
      for (const target of targets) {
        console.log(`== ${target.name} (${target.bus}), ${n} subscriber(s), ${SAMPLES} events ==`);
        results.push({ target, n, fanOut: await measureFanOut(target, n) });
      }
    }
    report(redisMs, results);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    for (const server of servers) await stopProcess(server.process);
    await embedded?.stop();
  }
}

/** From before `XADD` to the reply of an `XREAD` already blocked on the stream. */
async function redisRoundTrip(): Promise<number[]> {
  const key = `oz:bench:rtt:${randomBytes(6).toString('hex')}`;
  const writer = new Redis(REDIS_URL);
  const reader = new Redis(REDIS_URL);
  try {
    const readerId = Number(await reader.client('ID'));
    const times: number[] = [];
    let cursor = '0-0';
    for (let i = -WARMUP; i < REDIS_SAMPLES; i++) {
      const read = reader.xread('BLOCK', 0, 'STREAMS', key, cursor);
      // Only a reader that is really blocked measures the wake-up path.
      while (!String(await writer.client('LIST', 'ID', readerId)).includes('flags=b')) await new Promise((r) => setImmediate(r));
      const t0 = performance.now();
      await writer.xadd(key, '*', 'data', `bench-${i}`);
      const result = await read;
      const elapsed = performance.now() - t0;
      if (!result) throw new Error('XREAD BLOCK 0 returned nothing');
      cursor = result[0][1][0][0];
      if (i >= 0) times.push(elapsed);
    }
    return times;
  } finally {
    await writer.del(key);
    writer.disconnect();
    reader.disconnect();
  }
}

/** Opens N subscribers on a fresh room, then publishes events one at a time, each once all N have the previous one. */
async function measureFanOut(target: Target, n: number): Promise<FanOut> {
  const room = await target.room();
  const result: FanOut = { postMs: [], anyMs: [], lastMs: [], stampToLastMs: [], lost: 0 };
  let current: PendingEvent | null = null;
  const subscribers = await SseSubscribers.open(room.url, n, room.headers, (_, frame, receivedAt) => {
    if (frame.event !== 'message' || !current || !frame.data.includes(current.tag)) return;
    if (current.record) result.anyMs.push(receivedAt - current.sentAt);
    current.lastAt = receivedAt;
    current.stampMs = Number(frame.id.split('-')[0]);
    if (--current.remaining === 0) current.done();
  });
  try {
    const run = randomBytes(4).toString('hex');
    for (let i = -WARMUP; i < SAMPLES; i++) {
      // The tag is closed by the JSON string's quote, so bench-…-1 does not match bench-…-10.
      const tag = `bench-${run}-${i}`;
      let settle!: (complete: boolean) => void;
      const delivered = new Promise<boolean>((resolve) => (settle = resolve));
      const event: PendingEvent = { tag: `${tag}"`, sentAt: 0, remaining: n, lastAt: 0, stampMs: 0, record: i >= 0, done: () => settle(true) };
      const timer = setTimeout(() => settle(false), EVENT_TIMEOUT_MS);
      current = event;
      event.sentAt = performance.now();
      await room.publish(tag);
      const postMs = performance.now() - event.sentAt;
      const complete = await delivered;
      clearTimeout(timer);
      current = null;
      if (i < 0) continue;
      result.postMs.push(postMs);
      if (complete) {
        result.lastMs.push(event.lastAt - event.sentAt);
        result.stampToLastMs.push(performance.timeOrigin + event.lastAt - event.stampMs);
      } else {
        result.lost += event.remaining;
      }
    }
  } finally {
    subscribers.close();
    await new Promise((r) => setTimeout(r, 200)); // let the server see them go before the next run
  }
  if (result.lost > 0) console.log(`   ${result.lost} deliveries did not arrive within ${EVENT_TIMEOUT_MS} ms`);
  return result;
}

/** Rooms created and events posted through `api`; SSE streams opened on `subscribeOrigin` (the same replica or another). */
function workspaceTarget(name: string, bus: Target['bus'], subscribeOrigin: string, api: HttpPool, token: string): Target {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    name,
    bus,
    bare: false,
    room: async () => {
      const { id } = await postJson<{ id: string }>(api, '/api/rooms', headers, { name: `bench ${randomBytes(3).toString('hex')}` });
      return {
        url: `${subscribeOrigin}/api/events?roomId=${id}`,
        headers: { authorization: headers.authorization },
        publish: async (content) => void (await postJson(api, `/api/rooms/${id}/messages`, headers, { content })),
      };
    },
  };
}

function bareTarget(name: string, bus: Target['bus'], origin: string, publisher: HttpPool): Target {
  return {
    name,
    bus,
    bare: true,
    room: async () => ({
      url: `${origin}/`,
      headers: {},
      publish: async (content) => void (await postJson(publisher, '/', { 'content-type': 'application/json' }, { content })),
    }),
  };
}

async function signUp(client: HttpPool): Promise<string> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const response = await client.request({
    method: 'POST',
    path: '/api/auth/signup',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', email, password: PASSWORD }),
  });
  const body = await response.body.text();
  const token = response.headers['x-session-token'];
  if (response.statusCode !== 201 || typeof token !== 'string') throw new Error(`signup: HTTP ${response.statusCode} ${body}`);
  return token;
}

async function postJson<T>(client: HttpPool, path: string, headers: Record<string, string>, body: unknown): Promise<T> {
  const response = await client.request({ method: 'POST', path, headers, body: JSON.stringify(body) });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`POST ${path}: HTTP ${response.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

function report(redisMs: number[], results: { target: Target; n: number; fanOut: FanOut }[]): void {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const p50 = (values: number[]) => percentile(sorted(values), 50);
  const p99 = (values: number[]) => percentile(sorted(values), 99);
  const pair = (values: number[], digits = 2) => `${fmt(p50(values), digits)} / ${fmt(p99(values), digits)}`;
  const ratio = (values: number[], base: number[]) => `${fmt(p50(values) / p50(base))}× / ${fmt(p99(values) / p99(base))}×`;

  console.log('\nLatencies in ms, p50 / p99; ratios are p50 / p99 of "publish → a subscriber".');
  console.log(
    '\n| path | bus | N | POST round trip | publish → a subscriber | publish → last subscriber | bus stamp → last subscriber (±1) | ' +
      '× Redis XADD→XREAD | × bare, same bus and N |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| bare Redis XADD → XREAD | redis | 1 | | ${pair(redisMs, 3)} | | | 1× | |`);
  for (const { target, n, fanOut } of results) {
    const bare = results.find((r) => r.target.bare && r.target.bus === target.bus && r.n === n);
    const lost = fanOut.lost ? ` (${fanOut.lost} lost)` : '';
    console.log(
      `| ${target.name} | ${target.bus} | ${n} | ${pair(fanOut.postMs)} | ${pair(fanOut.anyMs)} | ${pair(fanOut.lastMs)}${lost} | ` +
        `${pair(fanOut.stampToLastMs, 0)} | ${ratio(fanOut.anyMs, redisMs)} | ${bare && !target.bare ? ratio(fanOut.anyMs, bare.fanOut.anyMs) : ''} |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
