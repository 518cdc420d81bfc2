import { createTestDatabase, startFakeOpenAiServer, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { Pool } from 'pg';
import { type ProviderError } from './provider-error';
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
    /** Every hook call in order, to check what came before what. */
    const events: string[] = [];
    const outcome: RouteOutcome = await subject.router.route(
      { runId: null, modelId: subject.a, prompt: 'route me', signal: new AbortController().signal, ...request },
      {
        onAttempt: (attempt) => {
          attempts.push(attempt.provider.key);
          events.push(`attempt ${attempt.provider.key} ${attempt.model}`);
          return onAttempt(attempt);
        },
        onDelta: (text) => {
          deltas.push(text);
          events.push(`delta ${text}`);
        },
        onAttemptFailed: (attempt, error) => {
          failed.push({ key: attempt.provider.key, error });
          events.push(`failed ${attempt.provider.key} ${error.kind}`);
        },
      },
    );
    return { outcome, attempts, deltas, failed, events };
  }

  it('answers from the run’s own provider when it has room', async () => {
    const subject = router();
    const { outcome, attempts } = await route(subject);
    expect(outcome).toMatchObject({ kind: 'answered', text: 'echo: route me', attempt: { provider: { key: subject.a }, model: `${subject.a}-model` } });
    expect(attempts).toEqual([subject.a]);
    expect(backup.requests).toHaveLength(0);
  });

  it('falls back on a 500 to the next provider of OZ_PROVIDER_FALLBACK_ORDER', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 500, message: 'upstream crashed' });
    backup.enqueue({ kind: 'answer', chunks: ['from ', 'backup'] });
    const { outcome, events, failed } = await route(subject);
    expect(outcome).toEqual({
      kind: 'answered',
      text: 'from backup',
      attempt: { provider: expect.objectContaining({ key: subject.b }), model: `${subject.b}-model` },
    });
    expect(events).toEqual([
      `attempt ${subject.a} ${subject.a}-model`,
      `failed ${subject.a} server`,
      `attempt ${subject.b} ${subject.b}-model`,
      'delta from ',
      'delta backup',
    ]);
    expect(failed[0]?.error.message).toBe(`${subject.a}: HTTP 500: upstream crashed`);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests[0]).toMatchObject({ model: `${subject.b}-model`, prompt: 'route me' });
  });

  it('reports a failed attempt’s streamed pieces before its failure, and the answer’s after', async () => {
    const subject = router();
    primary.enqueue({ kind: 'stream-error', afterChunks: 2, message: 'upstream crashed' });
    backup.enqueue({ kind: 'answer', chunks: ['fine'] });
    const { outcome, events } = await route(subject);
    expect(outcome).toMatchObject({ kind: 'answered', text: 'fine', attempt: { provider: { key: subject.b } } });
    // The caller drops what it showed of the first attempt when told it failed.
    expect(events).toEqual([
      `attempt ${subject.a} ${subject.a}-model`,
      'delta echo:',
      'delta  rout',
      `failed ${subject.a} server`,
      `attempt ${subject.b} ${subject.b}-model`,
      'delta fine',
    ]);
  });

  it('fails with the provider’s reason on an auth error and calls no other provider', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 401, message: 'Incorrect API key provided' });
    const { outcome, failed } = await route(subject);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `${subject.a}: HTTP 401: Incorrect API key provided`,
      attempt: expect.objectContaining({ model: `${subject.a}-model` }),
    });
    // Not a failed attempt to fall back from: the route ends here.
    expect(failed).toEqual([]);
    expect(backup.requests).toHaveLength(0);
  });

  it('fails on a refused request (400) without falling back: another provider would refuse it too', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 400, message: 'prompt is too long' });
    expect((await route(subject)).outcome).toMatchObject({ kind: 'failed', message: `${subject.a}: HTTP 400: prompt is too long` });
    expect(backup.requests).toHaveLength(0);
  });

  it('rests a provider that answered 429 until its Retry-After, on this and other routers', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 429, message: 'Rate limited', headers: { 'retry-after': '120' } });
    const before = Date.now();
    const first = await route(subject);
    const after = Date.now();
    expect(first.outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    expect(first.failed.map((f) => [f.key, f.error.kind])).toEqual([[subject.a, 'rate_limit']]);
    // Blocked for Retry-After from the 429, in the database every replica reads.
    const block = (await quotas.activeBlocks()).get(subject.a);
    expect(block?.getTime()).toBeGreaterThanOrEqual(before + 120_000);
    expect(block?.getTime()).toBeLessThanOrEqual(after + 120_000);

    expect((await route(subject)).attempts).toEqual([subject.b]);
    // Another replica's router, which never saw the 429 itself, skips the provider too.
    const otherReplica = { router: new ProviderRouter(subject.router.settings, new QuotaStore(pool)), a: subject.a };
    expect((await route(otherReplica)).attempts).toEqual([subject.b]);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(3);
  });

  it('rests a provider with a quota after a 429 too, for a minute when it gives no Retry-After', async () => {
    const subject = router({ a: { MSG_LIMIT: '100', WINDOW_SECONDS: '3600' } });
    primary.enqueue({ kind: 'status', status: 429, message: 'Rate limited' });
    const before = Date.now();
    expect((await route(subject)).outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    const usage = await quotas.usage(subject.a, { limit: 100, windowSeconds: 3600 });
    expect(usage).toMatchObject({ used: 1, blockReason: `${subject.a}: HTTP 429: Rate limited` });
    expect(usage.blockedUntil?.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(usage.blockedUntil?.getTime()).toBeLessThan(before + 120_000);
    // The slot reservation itself refuses now: the provider is not called.
    expect((await route(subject)).attempts).toEqual([subject.b]);
    expect(primary.requests).toHaveLength(1);
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
    expect((await route(subject)).outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.a } } });
    expect((await route(subject)).outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    const { outcome, attempts } = await route(subject);
    expect(attempts).toEqual([]);
    expect(outcome.kind).toBe('saturated');
    if (outcome.kind !== 'saturated') return;
    // b was used after a, but its 30 s window frees before a's 60 s one: the earliest slot is b's.
    const aFree = (await quotas.usage(subject.a, { limit: 1, windowSeconds: 60 })).nextFreeAt;
    const bFree = (await quotas.usage(subject.b, { limit: 1, windowSeconds: 30 })).nextFreeAt;
    expect(bFree && aFree && bFree < aFree).toBe(true);
    expect(outcome.retryAt).toEqual(bFree);
    expect(outcome.message).toMatch(new RegExp(`${subject.a}: 1 of 1 calls in 60 s used.*${subject.b}: 1 of 1 calls in 30 s used`));
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(1);
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
    const limits = { limit: 2, windowSeconds: 3600 };
    const subject = router({ a: { MSG_LIMIT: '2', WINDOW_SECONDS: '3600' } });
    await route(subject);
    expect((await quotas.usage(subject.a, limits)).used).toBe(1);
    const { outcome, attempts } = await route(subject, {}, () => false);
    expect(outcome).toEqual({ kind: 'cancelled' });
    // The slot was taken before onAttempt was asked, and handed back after it said no.
    expect(attempts).toEqual([subject.a]);
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    expect((await quotas.usage(subject.a, limits)).used).toBe(1);
  });

  it('stops at once when the signal aborts mid-call', async () => {
    const subject = router();
    primary.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = route(subject, { signal: controller.signal });
    await primary.waitForRequests(1);
    controller.abort();
    const { outcome, failed } = await pending;
    expect(outcome).toEqual({ kind: 'cancelled' });
    expect(failed).toEqual([]);
    expect(backup.requests).toHaveLength(0);
    await primary.waitForAbort(0);
  });

  it('calls nobody for a run cancelled before it is routed', async () => {
    const subject = router();
    const controller = new AbortController();
    controller.abort();
    const { outcome, attempts } = await route(subject, { signal: controller.signal });
    expect(outcome).toEqual({ kind: 'cancelled' });
    expect(attempts).toEqual([]);
  });

  it('names the harness when no provider serves it', async () => {
    const subject = router();
    const { outcome } = await route(subject, { modelId: 'kimi-k2' });
    // kimi is not configured; the fallback order still offers b.
    expect(outcome).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    const lonely = new ProviderRouter(loadProviderSettings({}), quotas);
    const none = await lonely.route({ runId: null, modelId: 'kimi-k2', prompt: 'x', signal: new AbortController().signal }, { onAttempt: () => true });
    expect(none).toEqual({ kind: 'failed', message: 'No provider is configured for harness kimi (set OZ_PROVIDER_<KEY>_* variables, see docs/providers.md)' });
    // A provider that is configured but unusable is named with its problem.
    const broken = new ProviderRouter(loadProviderSettings({ OZ_PROVIDER_CLAUDE_MODEL: 'claude-x' }), quotas);
    const unusable = await broken.route({ runId: null, harnessType: 'claude', prompt: 'x', signal: new AbortController().signal }, { onAttempt: () => true });
    expect(unusable).toEqual({
      kind: 'failed',
      message: expect.stringMatching(/^No provider is configured for harness claude-code .*; unusable: claude: OZ_PROVIDER_CLAUDE_API_KEY is required/),
    });
  });

  it('lists every provider’s reason when all of them fail with 500', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 500, message: 'primary is down' });
    backup.enqueue({ kind: 'status', status: 500, message: 'backup is down' });
    const { outcome, failed } = await route(subject);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `Every provider failed: ${subject.a}: HTTP 500: primary is down; ${subject.b}: HTTP 500: backup is down`,
    });
    expect(failed.map((f) => f.key)).toEqual([subject.a, subject.b]);
  });

  it('lists network failures the same way', async () => {
    const subject = router();
    primary.enqueue({ kind: 'status', status: 503, message: 'maintenance' });
    backup.enqueue({ kind: 'drop' });
    const { outcome } = await route(subject);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `Every provider failed: ${subject.a}: HTTP 503: maintenance; ${subject.b}: cannot reach the provider (UND_ERR_SOCKET)`,
    });
  });

  it('dispatches a call of the caller’s own making through the same plan, quotas and fallback, to providers of the types asked', async () => {
    const subject = router({ a: { MSG_LIMIT: '1', WINDOW_SECONDS: '3600' } });
    const made: string[] = [];
    const dispatch = () =>
      subject.router.dispatch({ runId: null, modelId: subject.a, signal: new AbortController().signal, types: ['openai_compatible'] }, async ({ provider, model }) => {
        made.push(`${provider.key}:${model}`);
        return 'value';
      });
    expect(await dispatch()).toMatchObject({ kind: 'answered', value: 'value', attempt: { provider: { key: subject.a } } });
    // a's one slot is spent: b, next in the fallback order, takes the second call.
    expect(await dispatch()).toMatchObject({ kind: 'answered', attempt: { provider: { key: subject.b } } });
    expect(made).toEqual([`${subject.a}:${subject.a}-model`, `${subject.b}:${subject.b}-model`]);

    const none = await subject.router.dispatch({ runId: null, modelId: subject.a, signal: new AbortController().signal, types: ['anthropic'] }, async () => 'never');
    expect(none).toEqual({
      kind: 'failed',
      message: `No provider of type anthropic is configured for harness custom: its providers are ${subject.a} (openai_compatible), ${subject.b} (openai_compatible)`,
      errors: [],
    });
  });
});
