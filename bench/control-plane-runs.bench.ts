/**
 * Control-plane runs benchmark: run creation and filtered listing through the HTTP API at ≥ 100k
 * rows, each next to a raw-SQL baseline measured in the same run on the same database.
 *
 *   npm run bench:control-plane            (DATABASE_URL = server to create a bench database on,
 *                                           else an embedded PostgreSQL in a temp folder)
 *   BENCH_ROWS, BENCH_CONCURRENCY, BENCH_SECONDS, BENCH_LIST_SAMPLES tune it.
 *
 * Targets (2 cores): API create throughput ≥ 1/3 of raw single-row INSERT at the same concurrency;
 * filtered list page p99 < 20 ms at 100k runs.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Pool as HttpPool } from 'undici';
import { fmt, runClosedLoop, runSequential, type Stats } from './lib/measure';
import { createBenchDatabase, postgresServer, startBuiltControlPlane, stopProcess } from './lib/stack';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 100_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const LIST_SAMPLES = Number(process.env['BENCH_LIST_SAMPLES'] ?? 400);

const TOKEN = `bench-tenant-${randomBytes(8).toString('hex')}`;
const TENANT_KEY = createHash('sha256').update(TOKEN).digest('hex');
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const ENVIRONMENTS = Array.from({ length: 10 }, () => randomUUID());

async function main(): Promise<void> {
  const { serverUrl, embedded } = await postgresServer();
  const databaseUrl = await createBenchDatabase(serverUrl);
  const server = await startBuiltControlPlane({
    DATABASE_URL: databaseUrl,
    OZ_ADMIN_API_KEY: ADMIN_KEY,
    OZ_DB_POOL_SIZE: String(CONCURRENCY),
    OZ_LOG_LEVEL: process.env['OZ_LOG_LEVEL'] ?? 'info',
  });
  const pool = new Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  const http = new HttpPool(server.origin, { connections: CONCURRENCY, pipelining: 1 });
  try {
    console.log(`seeding ${ROWS} runs …`);
    await seed(pool, ROWS);
    // Lists first, on exactly the seeded rows with fresh statistics; the create phase then adds rows.
    console.log(`\n== list one page (limit 20), ${LIST_SAMPLES} sequential requests per filter, ${ROWS} rows ==`);
    const list = await measureLists(pool, http);
    console.log(`\n== run creation, ${CONCURRENCY} concurrent clients, ${SECONDS}s per round, 2 rounds each ==`);
    const create = await measureCreates(pool, http);
    report(create, list);
  } finally {
    await http.close();
    await pool.end();
    await stopProcess(server.process);
    await embedded?.stop();
  }
}

/** Realistic spread: half the rows belong to the bench tenant, states/models/names vary, 30 days of history. */
async function seed(pool: Pool, rows: number): Promise<void> {
  await pool.query(
    `INSERT INTO runs (id, tenant_key, creator_uid, title, prompt, state, source, environment_id, model_id, config_name,
                       agent_config, artifacts, created_at, updated_at, completed_at)
     SELECT gen_random_uuid(),
            CASE WHEN i % 2 = 0 THEN $1 ELSE md5((i % 9)::text) END,
            'tenant_seed',
            'Run ' || i || CASE WHEN i % 10 = 0 THEN ': fix flaky test' ELSE ': refactor module ' || (i % 50) END,
            'Please look at issue ' || i || ' and open a pull request',
            (ARRAY['QUEUED','PENDING','INPROGRESS','SUCCEEDED','SUCCEEDED','SUCCEEDED','SUCCEEDED','FAILED','FAILED','CANCELLED'])[1 + i % 10],
            CASE WHEN i % 7 = 0 THEN 'SCHEDULED_AGENT' ELSE 'API' END,
            CASE WHEN i % 3 = 0 THEN ($2::uuid[])[1 + i % 10] END,
            'model-' || (i % 5),
            'nightly-' || (i % 20),
            jsonb_build_object('model_id', 'model-' || (i % 5), 'name', 'nightly-' || (i % 20)),
            CASE WHEN i % 10 = 4 THEN jsonb_build_array(jsonb_build_object('artifact_type', 'PULL_REQUEST',
              'created_at', now(), 'data', jsonb_build_object('branch', 'b' || i, 'url', 'https://github.com/o/r/pull/' || i)))
              ELSE '[]'::jsonb END,
            now() - make_interval(secs => i * 25),
            now() - make_interval(secs => i * 25),
            CASE WHEN i % 10 >= 3 THEN now() - make_interval(secs => i * 25) END
       FROM generate_series(1, $3) AS i`,
    [TENANT_KEY, ENVIRONMENTS, rows],
  );
  await pool.query('VACUUM ANALYZE runs');
}

interface CreateResult {
  raw: Stats;
  api: Stats;
}

async function measureCreates(pool: Pool, http: HttpPool): Promise<CreateResult> {
  const rawRounds: Stats[] = [];
  const apiRounds: Stats[] = [];
  const body = JSON.stringify({ prompt: 'Bench: fix the flaky test in module 7', config: { model_id: 'model-1', name: 'bench' } });
  for (let round = 0; round < 2; round++) {
    rawRounds.push(
      await runClosedLoop(CONCURRENCY, SECONDS * 1000, async () => {
        const now = new Date();
        // The same row the API writes, as one plain INSERT: the floor for any create path.
        await pool.query(
          `INSERT INTO runs (id, tenant_key, creator_uid, title, prompt, state, source, model_id, config_name,
                             agent_config, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'QUEUED', 'API', $6, $7, $8, $9, $9)`,
          [randomUUID(), TENANT_KEY, 'tenant_bench', 'bench', 'Bench: fix the flaky test in module 7', 'model-1', 'bench',
            { model_id: 'model-1', name: 'bench' }, now],
        );
      }),
    );
    apiRounds.push(
      await runClosedLoop(CONCURRENCY, SECONDS * 1000, async () => {
        const response = await http.request({
          method: 'POST',
          path: '/api/v1/agent/run',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body,
        });
        await response.body.dump();
        if (response.statusCode !== 201) throw new Error(`create answered ${response.statusCode}`);
      }),
    );
    console.log(`round ${round + 1}: raw ${fmt(rawRounds[round].perSecond, 0)}/s, api ${fmt(apiRounds[round].perSecond, 0)}/s`);
  }
  return { raw: combine(rawRounds), api: combine(apiRounds) };
}

function combine(rounds: Stats[]): Stats {
  const count = rounds.reduce((n, r) => n + r.count, 0);
  return {
    count,
    perSecond: rounds.reduce((n, r) => n + r.perSecond, 0) / rounds.length,
    p50Ms: rounds.reduce((n, r) => n + r.p50Ms * r.count, 0) / count,
    p99Ms: Math.max(...rounds.map((r) => r.p99Ms)),
  };
}

interface ListScenario {
  name: string;
  query: string;
  /** The same page as plain SQL, with $1 = the tenant key. */
  sql: string;
  params?: unknown[];
}

const COLUMNS = `id, tenant_key, creator_uid, title, prompt, state, source, environment_id, model_id, config_name, skill_spec,
  worker_host, schedule_id, schedule, scheduled_for, conversation_id, team, agent_config, artifacts, session_link,
  status_message, idempotency_key, request_fingerprint, created_at, updated_at, started_at, completed_at`;
const page = (where: string) =>
  `SELECT ${COLUMNS} FROM runs WHERE tenant_key = $1 ${where} ORDER BY created_at DESC, id DESC LIMIT 21`;

function listScenarios(cursor: { query: string; createdAt: Date; id: string }): ListScenario[] {
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
  return [
    { name: 'no filter', query: '', sql: page('') },
    { name: 'state=FAILED', query: 'state=FAILED', sql: page(`AND state IN ('FAILED')`) },
    { name: 'state=QUEUED&state=INPROGRESS', query: 'state=QUEUED&state=INPROGRESS', sql: page(`AND state IN ('QUEUED','INPROGRESS')`) },
    { name: 'model_id', query: 'model_id=model-3', sql: page(`AND model_id = 'model-3'`) },
    { name: 'name', query: 'name=nightly-6', sql: page(`AND config_name = 'nightly-6'`) },
    { name: 'environment_id', query: `environment_id=${ENVIRONMENTS[4]}`, sql: page(`AND environment_id = '${ENVIRONMENTS[4]}'`) },
    { name: 'source=SCHEDULED_AGENT', query: 'source=SCHEDULED_AGENT', sql: page(`AND source = 'SCHEDULED_AGENT'`) },
    {
      name: 'q=flaky',
      query: 'q=flaky',
      sql: page(`AND (title || ' ' || prompt || ' ' || coalesce(skill_spec, '')) ILIKE '%flaky%'`),
    },
    {
      name: 'artifact_type=PULL_REQUEST',
      query: 'artifact_type=PULL_REQUEST',
      sql: page(`AND artifacts @> '[{"artifact_type":"PULL_REQUEST"}]'::jsonb`),
    },
    {
      name: 'created window (1 day)',
      query: `created_after=${twoDaysAgo}&created_before=${dayAgo}`,
      sql: page(`AND created_at > '${twoDaysAgo}' AND created_at < '${dayAgo}'`),
    },
    {
      name: 'state + model + cursor (page 5)',
      query: cursor.query,
      sql: page(`AND state IN ('SUCCEEDED') AND model_id = 'model-1' AND (created_at, id) < ($2, $3)`),
      params: [cursor.createdAt, cursor.id],
    },
  ];
}

interface ListResult {
  name: string;
  raw: Stats;
  api: Stats;
  rows: number;
}

async function measureLists(pool: Pool, http: HttpPool): Promise<ListResult[]> {
  const get = async (query: string) => {
    const response = await http.request({
      method: 'GET',
      path: `/api/v1/agent/runs?limit=20${query ? `&${query}` : ''}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const json = (await response.body.json()) as { runs: { run_id: string; created_at: string }[]; page_info: { next_cursor?: string } };
    if (response.statusCode !== 200) throw new Error(`list answered ${response.statusCode}: ${JSON.stringify(json)}`);
    return json;
  };
  // Walk to page 5 once to get a real deep cursor.
  let cursorQuery = 'state=SUCCEEDED&model_id=model-1';
  let last = { created_at: '', run_id: '' };
  for (let p = 0; p < 4; p++) {
    const pageJson = await get(cursorQuery);
    last = pageJson.runs[pageJson.runs.length - 1];
    cursorQuery = `state=SUCCEEDED&model_id=model-1&cursor=${pageJson.page_info.next_cursor}`;
  }
  const results: ListResult[] = [];
  for (const scenario of listScenarios({ query: cursorQuery, createdAt: new Date(last.created_at), id: last.run_id })) {
    let rows = 0;
    const raw = await runSequential(LIST_SAMPLES, async () => {
      rows = (await pool.query(scenario.sql, [TENANT_KEY, ...(scenario.params ?? [])])).rowCount ?? 0;
    });
    const api = await runSequential(LIST_SAMPLES, async () => {
      await get(scenario.query);
    });
    results.push({ name: scenario.name, raw, api, rows: Math.min(rows, 20) });
    console.log(`${scenario.name.padEnd(32)} raw p99 ${fmt(raw.p99Ms, 2)} ms   api p99 ${fmt(api.p99Ms, 2)} ms`);
  }
  return results;
}

function report(create: CreateResult, list: ListResult[]): void {
  const ratio = create.api.perSecond / create.raw.perSecond;
  console.log('\n== summary ==');
  console.log('| measure | raw SQL baseline | through the API | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| create: runs/s (${CONCURRENCY} clients) | ${fmt(create.raw.perSecond, 0)} | ${fmt(create.api.perSecond, 0)} | ${fmt(ratio, 2)} (target ≥ 0.33) |`,
  );
  console.log(`| create: p50 / p99 ms | ${fmt(create.raw.p50Ms, 2)} / ${fmt(create.raw.p99Ms, 2)} | ${fmt(create.api.p50Ms, 2)} / ${fmt(create.api.p99Ms, 2)} | |`);
  for (const r of list) {
    console.log(
      `| list ${r.name} (${r.rows} rows): p50 / p99 ms | ${fmt(r.raw.p50Ms, 2)} / ${fmt(r.raw.p99Ms, 2)} | ${fmt(r.api.p50Ms, 2)} / ${fmt(r.api.p99Ms, 2)} | ${fmt(r.api.p99Ms / r.raw.p99Ms, 1)}× |`,
    );
  }
  const worstListP99 = Math.max(...list.map((r) => r.api.p99Ms));
  const createOk = ratio >= 1 / 3;
  const listOk = worstListP99 < 20;
  console.log(`\ncreate ratio ${fmt(ratio, 2)} ${createOk ? 'meets' : 'MISSES'} the 1/3 target`);
  console.log(`worst list p99 ${fmt(worstListP99, 2)} ms ${listOk ? 'meets' : 'MISSES'} the 20 ms target`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
