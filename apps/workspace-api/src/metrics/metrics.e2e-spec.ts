import { metricValue, promtoolCheckMetrics, startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

const METRICS_TOKEN = 'prometheus-scrapes-with-this-0123';
const CATALOGUE = join(__dirname, '../../../../k8s/monitoring/metrics.json');

const catalogued = (): string[] =>
  (JSON.parse(readFileSync(CATALOGUE, 'utf8')) as { metrics: { name: string; apps: string[] }[] }).metrics
    .filter((metric) => metric.apps.includes('workspace'))
    .map((metric) => metric.name);

async function scrape(ws: WorkspaceHarness, token?: string): Promise<string> {
  const response = await fetch(`${ws.origin}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  return response.text();
}

/** Scrapes until `ready(text)`: a stream's close reaches the server after the client has let go. */
async function scrapeUntil(ws: WorkspaceHarness, ready: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  let text = '';
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    text = await scrape(ws);
    if (ready(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/metrics never showed what the test waited for; last:\n${text.split('\n').filter((line) => line.startsWith('oz_')).join('\n')}`);
}

describe('GET /metrics on the workspace API (local runner, dashboard served)', () => {
  let provider: FakeLlmServer;
  let web: string;
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    web = mkdtempSync(join(tmpdir(), 'oz-web-metrics-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><html><body>dashboard</body></html>');
    ws = await startWorkspace({
      OZ_WEB_DIR: web,
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_PROVIDER_CUSTOM_MSG_LIMIT: '9',
      OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '3600',
    });
    user = await ws.signup('Ada');
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await provider?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('is valid Prometheus text that promtool reads without a problem, with every catalogued metric of the workspace', async () => {
    const text = await scrape(ws);
    const verdict = promtoolCheckMetrics(text);
    expect(verdict.problems).toEqual([]);
    expect(verdict.status).not.toBe(1);
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    expect(catalogued().filter((name) => !declared.has(name))).toEqual([]);
  });

  it('is served by the API, not the dashboard, which is labelled as one route whatever its paths', async () => {
    const page = await fetch(`${ws.origin}/rooms/${randomUUID()}`);
    expect(await page.text()).toContain('dashboard');
    const response = await fetch(`${ws.origin}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(metricValue(text, 'http_request_duration_seconds_count', { route: '(dashboard)', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/route="\/rooms\//);
  });

  it('labels API requests by route pattern, never by id', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) expect((await user.request('GET', `/api/rooms/${id}`)).status).toBe(404);
    const text = await scrape(ws);
    expect(metricValue(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/rooms/:id', status_code: '404' })).toBe(2);
    for (const id of ids) expect(text).not.toContain(id);
  });

  it('counts open SSE streams, the events published and each one written to a stream', async () => {
    const room = (await user.request('POST', '/api/rooms', { name: 'metrics' })).body as { id: string };
    const before = await scrape(ws);
    const published = (text: string, type: string) => metricValue(text, 'oz_room_events_published_total', { type }) ?? 0;
    const sent = (text: string) => metricValue(text, 'oz_sse_events_sent_total') ?? 0;

    const first = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    const second = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    expect(metricValue(await scrape(ws), 'oz_sse_subscribers')).toBe((metricValue(before, 'oz_sse_subscribers') ?? 0) + 2);

    const task = await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'Count me' });
    expect(task.status).toBe(201);
    await first.waitFor((event) => event.event === 'task');
    await second.waitFor((event) => event.event === 'task');
    const during = await scrape(ws);
    expect(published(during, 'task') - published(before, 'task')).toBe(1);
    expect(sent(during) - sent(before)).toBe(2);

    first.close();
    second.close();
    await scrapeUntil(ws, (text) => metricValue(text, 'oz_sse_subscribers') === (metricValue(before, 'oz_sse_subscribers') ?? 0));
  });

  it('counts the provider calls of the local runner and the quota they use', async () => {
    const agent = (await user.request('POST', '/api/agents', { name: 'Rex', harness: 'custom' })).body as { id: string };
    const room = (await user.request('POST', '/api/rooms', { name: 'calls', agent_ids: [agent.id] })).body as { id: string };
    const before = await scrape(ws);
    const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    const posted = await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Rex hello' });
    expect(posted.status).toBe(201);
    const replyId = posted.body.runs[0].reply_message_id as string;
    await events.waitFor((event) => event.event === 'message' && event.data.id === replyId && event.data.status === 'complete', 15_000);
    events.close();
    const after = await scrape(ws);
    expect((metricValue(after, 'oz_provider_calls_total', { provider: 'custom' }) ?? 0) - (metricValue(before, 'oz_provider_calls_total', { provider: 'custom' }) ?? 0)).toBe(1);
    expect(metricValue(after, 'oz_provider_quota_limit', { provider: 'custom' })).toBe(9);
    expect((metricValue(after, 'oz_provider_quota_used', { provider: 'custom' }) ?? 0) - (metricValue(before, 'oz_provider_quota_used', { provider: 'custom' }) ?? 0)).toBe(1);
  });
});

describe('GET /metrics on the workspace API with OZ_METRICS_TOKEN', () => {
  let ws: WorkspaceHarness;
  beforeAll(async () => {
    ws = await startWorkspace({ OZ_METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(() => closeAll([ws], ws?.database));

  it('answers 401 without the token, a session is not it, and the exposition with it', async () => {
    const user = await ws.signup('Bob');
    const attempts: Record<string, string>[] = [{}, { cookie: `oz_session=${user.session}` }, { authorization: `Bearer ${user.session}` }];
    for (const headers of attempts) {
      const response = await fetch(`${ws.origin}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    }
    expect(await scrape(ws, METRICS_TOKEN)).toContain('# TYPE oz_sse_subscribers gauge');
  });
});
