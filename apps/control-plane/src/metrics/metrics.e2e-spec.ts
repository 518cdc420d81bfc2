import { connectScriptedWorker, metricSamples, metricValue, promtoolCheckMetrics, startFakeAnthropicServer, startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { heldRun, workerEnvironment } from '../testing/held-runs';
import { inState, waitForRun } from '../testing/run-polling';

const METRICS_TOKEN = 'prometheus-scrapes-with-this-0123';
const CATALOGUE = join(__dirname, '../../../../k8s/monitoring/metrics.json');

/** The control-plane metrics the dashboard and alerts expect (k8s/monitoring/metrics.json). */
const catalogued = (): string[] =>
  (JSON.parse(readFileSync(CATALOGUE, 'utf8')) as { metrics: { name: string; apps: string[] }[] }).metrics
    .filter((metric) => metric.apps.includes('control-plane'))
    .map((metric) => metric.name);

async function scrape(cp: ControlPlaneHarness, token: string | null = null): Promise<string> {
  const response = await cp.request('/metrics', { token });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  return response.text();
}

/** Scrapes until `ready(text)` holds (a socket closing, a run being claimed): what is counted happens after the request that caused it. */
async function scrapeUntil(cp: ControlPlaneHarness, ready: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  let text = '';
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    text = await scrape(cp);
    if (ready(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/metrics never showed what the test waited for; last:\n${text.split('\n').filter((line) => line.startsWith('oz_')).join('\n')}`);
}

async function createEnvironment(cp: ControlPlaneHarness, token: string): Promise<string> {
  const response = await cp.request('/api/v1/environments', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `env-${randomUUID().slice(0, 8)}`, docker_image: 'busybox:latest' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('GET /metrics on the control plane', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  it('is valid Prometheus text that promtool reads without a problem, with every catalogued metric of the control plane', async () => {
    const text = await scrape(cp);
    const verdict = promtoolCheckMetrics(text);
    expect(verdict.problems).toEqual([]);
    expect(verdict.status).not.toBe(1);
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    expect(catalogued().filter((name) => !declared.has(name))).toEqual([]);
  });

  it('needs no API key, and is no API route (not under /api, not in the OpenAPI document)', async () => {
    expect((await cp.request('/metrics', { token: null })).status).toBe(200);
    expect((await cp.request('/api/v1/metrics')).status).toBe(404);
    const document = (await (await cp.request('/api/docs-json', { token: null })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('metrics'))).toEqual([]);
  });

  it('counts the runs created, by source and mode, and shows them waiting in their queues', async () => {
    const token = tenantToken('metrics');
    const environmentId = await createEnvironment(cp, token);
    const before = await scrape(cp);
    const created = (labels: Record<string, string>, text: string) => metricValue(text, 'oz_runs_created_total', labels) ?? 0;
    for (let i = 0; i < 3; i++) await cp.sdk(token).agent.run({ prompt: `provider ${i}` });
    for (let i = 0; i < 2; i++) await cp.sdk(token).agent.run({ prompt: `worker ${i}`, config: { environment_id: environmentId } });

    const after = await scrape(cp);
    expect(created({ source: 'API', mode: 'provider' }, after) - created({ source: 'API', mode: 'provider' }, before)).toBe(3);
    expect(created({ source: 'API', mode: 'worker' }, after) - created({ source: 'API', mode: 'worker' }, before)).toBe(2);
    expect(metricValue(after, 'oz_runs', { state: 'QUEUED' })).toBe((metricValue(before, 'oz_runs', { state: 'QUEUED' }) ?? 0) + 3);
    expect(metricValue(after, 'oz_runs', { state: 'PENDING' })).toBe((metricValue(before, 'oz_runs', { state: 'PENDING' }) ?? 0) + 2);
    expect(metricValue(after, 'oz_queue_depth', { queue: 'provider' })).toBe(metricValue(after, 'oz_runs', { state: 'QUEUED' }));
    expect(metricValue(after, 'oz_queue_depth', { queue: 'worker' })).toBe(metricValue(after, 'oz_runs', { state: 'PENDING' }));
    expect(metricValue(after, 'oz_queue_oldest_age_seconds', { queue: 'provider' })).toBeGreaterThan(0);
    expect(metricValue(after, 'oz_queue_oldest_age_seconds', { queue: 'worker' })).toBeGreaterThan(0);
    // Every state is reported, those without runs as 0.
    expect(metricSamples(after).filter((sample) => sample.name === 'oz_runs').map((sample) => sample.labels['state']).sort()).toEqual(
      ['CANCELLED', 'CLAIMED', 'FAILED', 'INPROGRESS', 'PENDING', 'QUEUED', 'SUCCEEDED'],
    );
  });

  it('labels requests by route pattern: a run fetched by its id is counted under :runId, whatever the id', async () => {
    const token = tenantToken('routes');
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) expect((await cp.request(`/api/v1/agent/runs/${id}`, { token })).status).toBe(404);
    const text = await scrape(cp);
    expect(metricValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/agent/runs/:runId', status_code: '404' })).toBeGreaterThanOrEqual(3);
    for (const id of ids) expect(text).not.toContain(id);
  });

  it('shows the worker connections of this replica, and the distinct workers behind them', async () => {
    const gauges = (text: string) => [metricValue(text, 'oz_worker_connections'), metricValue(text, 'oz_workers_connected')];
    const first = await connectScriptedWorker(cp.origin, cp.adminKey, 'metrics-worker-a');
    const second = await connectScriptedWorker(cp.origin, cp.adminKey, 'metrics-worker-a');
    const third = await connectScriptedWorker(cp.origin, cp.adminKey, 'metrics-worker-b');
    expect(gauges(await scrape(cp))).toEqual([3, 2]);
    await Promise.all([first.close(), third.close()]);
    expect(gauges(await scrapeUntil(cp, (text) => metricValue(text, 'oz_worker_connections') === 1))).toEqual([1, 1]);
    await second.close();
    expect(gauges(await scrapeUntil(cp, (text) => metricValue(text, 'oz_worker_connections') === 0))).toEqual([0, 0]);
  });

  it('measures the dispatch latency of a worker run once, at its first assignment', async () => {
    const token = tenantToken('dispatch');
    const environmentId = await createEnvironment(cp, token);
    // Older PENDING runs of this database go first: a worker that takes everything.
    const worker = await connectScriptedWorker(cp.origin, cp.adminKey, 'metrics-dispatch', { max_concurrent_tasks: '50' });
    try {
      const count = (text: string) => metricValue(text, 'oz_dispatch_latency_seconds_count', { mode: 'worker' }) ?? 0;
      const before = count(await scrape(cp));
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'assign me', config: { environment_id: environmentId } });
      for (;;) if ((await worker.next('task_assignment')).task_id === run_id) break;
      const after = await scrapeUntil(cp, (text) => count(text) > before);
      expect(metricValue(after, 'oz_dispatch_latency_seconds_bucket', { mode: 'worker', le: '+Inf' })).toBe(count(after));
      expect(metricValue(after, 'oz_dispatch_latency_seconds_sum', { mode: 'worker' })).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });
});

describe('GET /metrics with OZ_METRICS_TOKEN', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane({ OZ_METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(() => cp.close());

  it('answers 401 without the token (the admin key is not it) and the exposition with it', async () => {
    for (const token of [null, cp.adminKey, tenantToken('nope')]) {
      const response = await cp.request('/metrics', { token });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.json()).toMatchObject({ code: 'metrics_token_required' });
    }
    expect(await scrape(cp, METRICS_TOKEN)).toContain('# TYPE oz_runs gauge');
  });
});

describe('provider metrics of the control plane', () => {
  let primary: FakeLlmServer;
  let backup: FakeLlmServer;
  let cp: ControlPlaneHarness;
  const token = tenantToken('providers');

  beforeAll(async () => {
    primary = await startFakeOpenAiServer();
    backup = await startFakeOpenAiServer();
    cp = await startControlPlane({
      OZ_EXECUTOR_CONCURRENCY: '1',
      OZ_EXECUTOR_POLL_INTERVAL_MS: '200',
      OZ_PROVIDER_CUSTOM_MODEL: 'primary-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: primary.url,
      OZ_PROVIDER_BACKUP_TYPE: 'openai_compatible',
      OZ_PROVIDER_BACKUP_MODEL: 'backup-model',
      OZ_PROVIDER_BACKUP_BASE_URL: backup.url,
      OZ_PROVIDER_BACKUP_MSG_LIMIT: '5',
      OZ_PROVIDER_BACKUP_WINDOW_SECONDS: '3600',
      OZ_PROVIDER_FALLBACK_ORDER: 'backup',
    });
  });
  afterAll(async () => {
    await cp.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  const value = (text: string, name: string, labels: Record<string, string>) => metricValue(text, name, labels) ?? 0;

  it('counts a failed call by provider and reason, the fallback it caused, the calls, and the quota it used', async () => {
    const before = await scrape(cp);
    primary.enqueue({ kind: 'status', status: 503, message: 'overloaded' });
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'fall back, please' });
    const run = await waitForRun(cp.sdk(token), run_id, inState('SUCCEEDED', 'FAILED'));
    expect(run.state).toBe('SUCCEEDED');

    const after = await scrape(cp);
    const moved = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(moved('oz_provider_failures_total', { provider: 'custom', reason: 'server_error' })).toBe(1);
    expect(moved('oz_provider_calls_total', { provider: 'custom' })).toBe(1);
    expect(moved('oz_provider_calls_total', { provider: 'backup' })).toBe(1);
    expect(moved('oz_provider_failures_total', { provider: 'backup' })).toBe(0);
    expect(moved('oz_provider_fallbacks_total', { from: 'custom', to: 'backup', reason: 'failed' })).toBe(1);
    expect(moved('oz_dispatch_latency_seconds_count', { mode: 'provider' })).toBe(1);
    expect(value(after, 'oz_provider_quota_limit', { provider: 'backup' })).toBe(5);
    expect(moved('oz_provider_quota_used', { provider: 'backup' })).toBe(1);
    // Only providers with a quota have quota gauges.
    expect(metricValue(after, 'oz_provider_quota_limit', { provider: 'custom' })).toBeUndefined();
  });

  it('counts finished runs too, recounted at most once a minute: a replica that has not counted them yet shows them at once', async () => {
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'finish me' });
    expect((await waitForRun(cp.sdk(token), run_id, inState('SUCCEEDED', 'FAILED'))).state).toBe('SUCCEEDED');
    const fresh = await startControlPlane({}, cp.database);
    try {
      const [{ runs }] = (await cp.dataSource.query(`SELECT count(*)::int AS runs FROM runs WHERE state = 'SUCCEEDED'`)) as [{ runs: number }];
      expect(runs).toBeGreaterThanOrEqual(2);
      expect(metricValue(await scrape(fresh), 'oz_runs', { state: 'SUCCEEDED' })).toBe(runs);
    } finally {
      await fresh.close();
    }
  });

  it('counts a refused request (auth) as a failure without a fallback', async () => {
    const before = await scrape(cp);
    primary.enqueue({ kind: 'status', status: 401, message: 'bad key' });
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'refuse me' });
    expect((await waitForRun(cp.sdk(token), run_id, inState('SUCCEEDED', 'FAILED'))).state).toBe('FAILED');
    const after = await scrape(cp);
    expect(value(after, 'oz_provider_failures_total', { provider: 'custom', reason: 'auth' }) - value(before, 'oz_provider_failures_total', { provider: 'custom', reason: 'auth' })).toBe(1);
    expect(value(after, 'oz_provider_calls_total', { provider: 'backup' })).toBe(value(before, 'oz_provider_calls_total', { provider: 'backup' }));
  });
});

describe('database-wide gauges across replicas', () => {
  it('are the same on every replica of one database, whichever replica the runs were created on', async () => {
    const a = await startControlPlane();
    const b = await startControlPlane({}, a.database);
    try {
      const token = tenantToken('replicas');
      const environmentId = await createEnvironment(a, token);
      for (let i = 0; i < 4; i++) await a.sdk(token).agent.run({ prompt: `on a ${i}` });
      await b.sdk(token).agent.run({ prompt: 'on b', config: { environment_id: environmentId } });
      const [onA, onB] = [await scrape(a), await scrape(b)];
      const gauges = (text: string) =>
        metricSamples(text)
          .filter((sample) => ['oz_runs', 'oz_queue_depth'].includes(sample.name))
          .map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`)
          .sort();
      expect(gauges(onA)).toEqual(gauges(onB));
      expect(metricValue(onA, 'oz_runs', { state: 'QUEUED' })).toBe(4);
      // Counters are each replica's own: the four runs were created on a.
      expect(metricValue(onA, 'oz_runs_created_total', { mode: 'provider' })).toBe(4);
      expect(metricValue(onB, 'oz_runs_created_total', { mode: 'provider' })).toBeUndefined();
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('LLM gateway metrics', () => {
  const WORKER_TOKEN = 'metrics-gateway-worker-0123456789';
  let claude: FakeLlmServer;
  let backup: FakeLlmServer;
  let cp: ControlPlaneHarness;

  beforeAll(async () => {
    [claude, backup] = await Promise.all([startFakeAnthropicServer({ apiKey: 'sk-ant-claude-0123456789' }), startFakeAnthropicServer({ apiKey: 'sk-ant-backup-0123456789' })]);
    cp = await startControlPlane({
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
      OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BASE_URL: claude.url,
      OZ_PROVIDER_CLAUDE_API_KEY: 'sk-ant-claude-0123456789',
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-model',
      OZ_PROVIDER_CLAUDE_BACKUP_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BACKUP_BASE_URL: backup.url,
      OZ_PROVIDER_CLAUDE_BACKUP_API_KEY: 'sk-ant-backup-0123456789',
      OZ_PROVIDER_CLAUDE_BACKUP_MODEL: 'backup-model',
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'claude_backup',
    });
  });
  afterAll(async () => {
    await cp?.close();
    await Promise.all([claude, backup].map((server) => server?.close()));
  });

  it('counts each request by API and answered status, its duration, and the provider calls, failures and fallback behind it', async () => {
    const token = tenantToken('gateway-metrics');
    const worker = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'metrics-gateway-worker');
    try {
      const run = await heldRun(cp, worker, token, await workerEnvironment(cp, token, 'metrics-gateway'), { model_id: 'claude-sonnet-4-5', harness: { type: 'claude' } });
      claude.enqueue({ kind: 'status', status: 503, message: 'overloaded' });
      const answered = await fetch(`${cp.apiBaseUrl}/llm/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': run.taskToken, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(answered.status).toBe(200);
      await answered.text();

      // Counted once the gateway is done with the call (its usage recorded), just after the answer went out.
      const text = await scrapeUntil(cp, (scraped) => metricValue(scraped, 'oz_gateway_requests_total') !== undefined);
      expect(metricValue(text, 'oz_gateway_requests_total', { api: 'anthropic_messages', status_code: '200' })).toBe(1);
      expect(metricValue(text, 'oz_gateway_request_duration_seconds_count', { api: 'anthropic_messages' })).toBe(1);
      expect(metricValue(text, 'oz_provider_calls_total', { provider: 'claude' })).toBe(1);
      expect(metricValue(text, 'oz_provider_failures_total', { provider: 'claude', reason: 'server_error' })).toBe(1);
      expect(metricValue(text, 'oz_provider_calls_total', { provider: 'claude_backup' })).toBe(1);
      expect(metricValue(text, 'oz_provider_fallbacks_total', { from: 'claude', to: 'claude_backup', reason: 'failed' })).toBe(1);
    } finally {
      await worker.close();
    }
  });
});
