import { createTestDatabase, startFakeOpenAiServer, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { Pool } from 'pg';
import { ProviderError } from './provider-error';
import { ProviderRouter, type Attempt, type RouteOutcome, type RouteRequest } from './provider-router';
import { loadProviderSettings } from './provider-settings';
import { PROVIDER_QUOTA_SCHEMA_V1, QuotaStore } from './quota-store';

/**
 * The router against real providers (two fake OpenAI-compatible servers, `primary` and `backup`) and
 * real quotas in PostgreSQL. Each test gets provider keys of its own, so windows never mix.
 */
describe('ProviderRouter', () => {
  let database: TestDatabase;
  let pool: Pool;
  let quotas: QuotaStore;
  let primary: FakeLlmServer;
  let backup: FakeLlmServer;
  let suffix = 0;

  beforeAll(async () => {
    database = await createTestDatabase('oz_router');
    pool = new Pool({ connectionString: database.url, max: 5 });
    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.up) await pool.query(statement);
    quotas = new QuotaStore(pool);
    [primary, backup] = await Promise.all([startFakeOpenAiServer(), startFakeOpenAiServer()]);
  });
  afterAll(async () => {
    await Promise.all([primary.close(), backup.close()]);
    await pool.end();
    await database.drop();
  });
  beforeEach(() => {
    primary.reset();
    backup.reset();
  });

  /**
   * A router whose run goes to provider `a<n>` (on the primary server) and falls back to `b<n>` (on
   * the backup server). `a` and `b` settings are added to each provider's variables.
   */
  function router(options: { a?: Record<string, string>; b?: Record<string, string>; env?: Record<string, string> } = {}) {
    suffix++;
    const [a, b] = [`a${suffix}`, `b${suffix}`];
    const variables = (key: string, url: string, extra: Record<string, string> = {}) =>
      Object.fromEntries(
        Object.entries({ MODEL: `${key}-model`, BASE_URL: url, ...extra }).map(([name, value]) => [`OZ_PROVIDER_${key.toUpperCase()}_${name}`, value]),
      );
    const settings = loadProviderSettings({
      ...variables(a, primary.url, options.a),
      ...variables(b, backup.url, options.b),
      OZ_PROVIDER_FALLBACK_ORDER: b,
      ...options.env,
    });
    return { router: new ProviderRouter(settings, quotas), a, b };
  }

  /** Routes a run whose model_id names provider `a`, recording what the hooks saw. */
  async function route(
    subject: { router: ProviderRouter; a: string },
    request: Partial<RouteRequest> = {},
    onAttempt: (attempt: Attempt) => boolean = () => true,
  ) {
    const attempts: string[] = [];
    const deltas: string[] = [];
    const failed: Array<{ key: string; error: ProviderError }> = [];
    const outcome: RouteOutcome = await subject.router.route(
      { runId: null, modelId: subject.a, prompt: 'route me', signal: new AbortController().signal, ...request },
      {
        onAttempt: (attempt) => {
          attempts.push(attempt.provider.key);
          return onAttempt(attempt);
        },
        onDelta: (text) => deltas.push(text),
        onAttemptFailed: (attempt, error) => failed.push({ key: attempt.provider.key, error }),
      },
    );
    return { outcome, attempts, deltas, failed };
  }

  it('answers from the run’s own provider when it has room', async () => {
    const subject = router();
    const { outcome, attempts } = await route(subject);
    expect(outcome).toMatchObject({ kind: 'answered', text: 'echo: route me', attempt: { provider: { key: subject.a }, model: `${subject.a}-model` } });
    expect(attempts).toEqual([subject.a]);
    expect(backup.requests).toHaveLength(0);
  });

  it('falls back on a 500, telling the hooks what was streamed before the failure is to be dropped', async () => {
    const subject = router();
    primary.enqueue({ kind: 'stream-error', afterChunks: 1, message: 'upstream crashed' });
    const { outcome, attempts, deltas, failed } = await route(subject);
    expect(outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    expect(attempts).toEqual([subject.a, subject.b]);
    expect(failed.map((f) => [f.key, f.error.kind])).toEqual([[subject.a, 'server']]);
    // The first attempt's piece came before the failure; the backup's whole answer after it.
    expect(deltas[0]).toBe('echo:');
    expect(deltas.slice(1).join('')).toBe('echo: route me');
  });

  it('fails with the provider’s reason on an auth error and calls no other provider', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 401, message: 'Incorrect API key provided' });
    const { outcome } = await route(subject);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `${subject.a}: HTTP 401: Incorrect API key provided`,
      attempt: expect.objectContaining({ model: `${subject.a}-model` }),
    });
    expect(backup.requests).toHaveLength(0);
  });

  it('rests a provider that answered 429 until its Retry-After, on this and other routers', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 429, message: 'Rate limited', headers: { 'retry-after': '120' } });
    expect((await route(subject)).outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    expect((await route(subject)).attempts).toEqual([subject.b]);
    expect(primary.requests).toHaveLength(1);
    const block = (await quotas.activeBlocks()).get(subject.a);
    expect(block && block.getTime() - Date.now()).toBeGreaterThan(110_000);
  });

  it('takes exactly the limit from a provider under concurrent routes, and falls back for the rest', async () => {
    const subject = router({ a: { MSG_LIMIT: '3', WINDOW_SECONDS: '3600' } });
    primary.script(() => ({ kind: 'answer', chunks: ['x', 'y'], chunkDelayMs: 30 }));
    const results = await Promise.all(Array.from({ length: 10 }, () => route(subject)));
    const servedBy = results.map((r) => (r.outcome.kind === 'answered' ? r.outcome.attempt.provider.key : r.outcome.kind));
    expect(servedBy.filter((key) => key === subject.a)).toHaveLength(3);
    expect(servedBy.filter((key) => key === subject.b)).toHaveLength(7);
    expect(primary.requests).toHaveLength(3);
  });

  it('says when to come back when every provider is saturated, and queueing is on', async () => {
    const subject = router({ a: { MSG_LIMIT: '1', WINDOW_SECONDS: '60' }, b: { MSG_LIMIT: '1', WINDOW_SECONDS: '30' } });
    await route(subject);
    await route(subject);
    const before = Date.now();
    const { outcome, attempts } = await route(subject);
    expect(attempts).toEqual([]);
    expect(outcome.kind).toBe('saturated');
    if (outcome.kind !== 'saturated') return;
    // b's 30 s window frees first.
    expect(outcome.retryAt.getTime()).toBeGreaterThan(before + 28_000);
    expect(outcome.retryAt.getTime()).toBeLessThanOrEqual(before + 30_500);
    expect(outcome.message).toMatch(new RegExp(`${subject.a}: 1 of 1 calls in 60 s used.*${subject.b}: 1 of 1 calls in 30 s used`));
  });

  it('fails instead of queueing when OZ_QUEUE_ON_SATURATION=false', async () => {
    const subject = router({ a: { MSG_LIMIT: '1', WINDOW_SECONDS: '60' }, b: { MSG_LIMIT: '1', WINDOW_SECONDS: '60' }, env: { OZ_QUEUE_ON_SATURATION: 'false' } });
    await route(subject);
    await route(subject);
    const { outcome } = await route(subject);
    expect(outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/queueing is off \(OZ_QUEUE_ON_SATURATION\)/) });
  });

  it('fails when the next slot frees after the queue limit, counted from when the run first waited', async () => {
    const subject = router({ a: { MSG_LIMIT: '1', WINDOW_SECONDS: '60' }, b: { MSG_LIMIT: '1', WINDOW_SECONDS: '60' }, env: { OZ_QUEUE_MAX_WAIT_SECONDS: '90' } });
    await route(subject);
    await route(subject);
    expect((await route(subject)).outcome.kind).toBe('saturated');
    // The same run, having already waited 45 s: a slot 60 s away is past its 90 s limit.
    const { outcome } = await route(subject, { saturatedSince: new Date(Date.now() - 45_000) });
    expect(outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/queue limit of 90 s \(OZ_QUEUE_MAX_WAIT_SECONDS; waited 45 s\)/) });
  });

  it('gives the slot back when the run is abandoned before the call', async () => {
    const subject = router({ a: { MSG_LIMIT: '2', WINDOW_SECONDS: '3600' } });
    const { outcome } = await route(subject, {}, () => false);
    expect(outcome).toEqual({ kind: 'cancelled' });
    expect(primary.requests).toHaveLength(0);
    expect((await quotas.usage(subject.a, { limit: 2, windowSeconds: 3600 })).used).toBe(0);
  });

  it('stops at once when the signal aborts mid-call', async () => {
    const subject = router();
    primary.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = route(subject, { signal: controller.signal });
    await primary.waitForRequests(1);
    controller.abort();
    expect((await pending).outcome).toEqual({ kind: 'cancelled' });
    expect(backup.requests).toHaveLength(0);
  });

  it('names the harness when no provider serves it', async () => {
    const subject = router();
    const { outcome } = await route(subject, { modelId: 'kimi-k2' });
    // kimi is not configured; the fallback order still offers b.
    expect(outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    const lonely = new ProviderRouter(loadProviderSettings({}), quotas);
    const none = await lonely.route({ runId: null, modelId: 'kimi-k2', prompt: 'x', signal: new AbortController().signal }, { onAttempt: () => true });
    expect(none).toEqual({ kind: 'failed', message: expect.stringMatching(/^No provider is configured for harness kimi/) });
  });

  it('lists every provider’s reason when all of them fail', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 503, message: 'maintenance' });
    backup.enqueue({ kind: 'drop' });
    const { outcome } = await route(subject);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `Every provider failed: ${subject.a}: HTTP 503: maintenance; ${subject.b}: cannot reach the provider (UND_ERR_SOCKET)`,
    });
  });
});
