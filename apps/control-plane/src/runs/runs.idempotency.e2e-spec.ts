import type { AgentRunParams } from '@oz/contract';
import OzAPI, { BadRequestError, UnprocessableEntityError } from 'oz-agent-sdk';
import { randomUUID } from 'node:crypto';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { ownerOf, sdkError } from '../testing/run-fixtures';

/**
 * The alpha.8 SDK sends no idempotency header of its own, but a caller can add one per request
 * (`{ headers: { 'Idempotency-Key': … } }`), so these tests still go through the SDK.
 */
describe('Idempotency-Key on run creation', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  function createWithKey(token: string, body: AgentRunParams, key: string) {
    return cp
      .sdk(token)
      .agent.run(body, { headers: { 'Idempotency-Key': key } })
      .withResponse();
  }

  async function runsWithKey(token: string, key: string): Promise<string[]> {
    const rows: { id: string }[] = await cp.dataSource.query(
      `SELECT id FROM runs WHERE tenant_key = $1 AND idempotency_key = $2`,
      [ownerOf(token).tenantKey, key],
    );
    return rows.map((r) => r.id);
  }

  it('answers a retry with the same key and body with the first run, marked Idempotent-Replayed', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const body: AgentRunParams = { prompt: 'Only once', config: { model_id: 'm1' } };

    const first = await createWithKey(token, body, key);
    const retry = await createWithKey(token, body, key);

    expect(first.response.status).toBe(201);
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.response.status).toBe(201);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.data).toEqual(first.data);
    expect(await runsWithKey(token, key)).toEqual([first.data.run_id]);
  });

  it('replays the run as it is now, after it has changed', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const { data } = await createWithKey(token, { prompt: 'Then cancelled' }, key);
    await cp.sdk(token).agent.runs.cancel(data.run_id);

    const retry = await createWithKey(token, { prompt: 'Then cancelled' }, key);
    expect(retry.data).toEqual({ run_id: data.run_id, task_id: data.run_id, state: 'CANCELLED' });
  });

  it('creates exactly one run for 10 concurrent requests with one key', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const body: AgentRunParams = { prompt: 'Raced', title: 'Raced' };

    const results = await Promise.all(Array.from({ length: 10 }, () => createWithKey(token, body, key)));

    const runIds = new Set(results.map((r) => r.data.run_id));
    expect(runIds.size).toBe(1);
    expect(results.map((r) => r.response.status)).toEqual(Array(10).fill(201));
    expect(results.filter((r) => r.response.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(await runsWithKey(token, key)).toEqual([...runIds]);
    const [{ n }] = await cp.dataSource.query(`SELECT count(*)::int AS n FROM runs WHERE tenant_key = $1`, [ownerOf(token).tenantKey]);
    expect(n).toBe(1);
  });

  it('refuses the same key with a different body with 422 and a clear message, creating nothing', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const { data } = await createWithKey(token, { prompt: 'Original' }, key);

    for (const different of [{ prompt: 'Changed' }, { prompt: 'Original', title: 'x' }, { prompt: 'Original', config: { model_id: 'm' } }]) {
      const error = await sdkError(createWithKey(token, different, key));
      expect(error).toBeInstanceOf(UnprocessableEntityError);
      expect(error.status).toBe(422);
      expect(error.message).toContain('Idempotency-Key was already used for a different request; use a new key for a new run');
      expect(error.error).toMatchObject({ code: 'idempotency_key_reused' });
    }
    expect(await runsWithKey(token, key)).toEqual([data.run_id]);
  });

  it('recognises the same body with its fields in another order as the same request', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const send = (json: string) =>
      cp.request('/api/v1/agent/run', {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: json,
      });

    const first = await send('{"prompt":"Same","title":"T","config":{"model_id":"m","name":"n"}}');
    const reordered = await send('{"config":{"name":"n","model_id":"m"},"title":"T","prompt":"Same"}');

    expect(first.status).toBe(201);
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(((await reordered.json()) as { run_id: string }).run_id).toBe(((await first.json()) as { run_id: string }).run_id);
  });

  it('keeps keys per tenant: two tenants may use the same key for their own runs', async () => {
    const [alice, bob] = [tenantToken('alice'), tenantToken('bob')];
    const key = 'shared-key-1';
    const body: AgentRunParams = { prompt: 'Same body, different owners' };

    const aliceRun = await createWithKey(alice, body, key);
    const bobRun = await createWithKey(bob, body, key);
    expect(bobRun.response.headers.get('idempotent-replayed')).toBeNull();
    expect(bobRun.data.run_id).not.toBe(aliceRun.data.run_id);
    expect((await cp.sdk(bob).agent.runs.retrieve(bobRun.data.run_id)).creator?.uid).toBe(ownerOf(bob).creatorUid);

    const aliceRetry = await createWithKey(alice, body, key);
    expect(aliceRetry.data.run_id).toBe(aliceRun.data.run_id);
    expect(await runsWithKey(alice, key)).toEqual([aliceRun.data.run_id]);
    expect(await runsWithKey(bob, key)).toEqual([bobRun.data.run_id]);
  });

  it('shares keys between POST /agent/run and its alias POST /agent/runs', async () => {
    const token = tenantToken();
    const key = randomUUID();
    const body: AgentRunParams = { prompt: 'Either route' };
    const { data } = await createWithKey(token, body, key);

    const viaAlias = await cp.request('/api/v1/agent/runs', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    expect(viaAlias.status).toBe(201);
    expect(viaAlias.headers.get('idempotent-replayed')).toBe('true');
    expect(await viaAlias.json()).toEqual(data);
  });

  it('refuses a key that is too long, empty or not printable ASCII with 400, and accepts 255 characters', async () => {
    const token = tenantToken();
    for (const key of ['k'.repeat(300), 'k'.repeat(256), 'has space', 'naïve-key']) {
      const error = await sdkError(createWithKey(token, { prompt: 'p' }, key));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toContain('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const empty = await cp.request('/api/v1/agent/run', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': '' },
      body: JSON.stringify({ prompt: 'p' }),
    });
    expect(empty.status).toBe(400);
    const [{ n }] = await cp.dataSource.query(`SELECT count(*)::int AS n FROM runs WHERE tenant_key = $1`, [ownerOf(token).tenantKey]);
    expect(n).toBe(0);

    const longest = 'k'.repeat(255);
    const { data } = await createWithKey(token, { prompt: 'p' }, longest);
    expect(await runsWithKey(token, longest)).toEqual([data.run_id]);
  });

  it('creates a new run for every request without a key', async () => {
    const sdk = cp.sdk(tenantToken());
    const a = await sdk.agent.run({ prompt: 'twice' });
    const b = await sdk.agent.run({ prompt: 'twice' });
    expect(a.run_id).not.toBe(b.run_id);
  });
});

/**
 * Without any key, the SDK still retries a create whose answer it lost (X-Stainless-Retry-Count ≥ 1).
 * The network loss is real from the client's side: the request reaches the server and is processed,
 * then the client is told the connection failed, exactly as when a response is dropped on the way.
 */
describe('SDK retries of a create without a key', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  /** A fetch that delivers the first request, then loses its response. */
  function fetchLosingFirstResponse(): typeof fetch {
    let calls = 0;
    return async (input, init) => {
      const response = await fetch(input, init);
      if (++calls > 1) return response;
      await response.arrayBuffer();
      throw new TypeError('fetch failed: connection reset after the request was sent');
    };
  }

  async function runCount(token: string): Promise<number> {
    const [{ count }] = await cp.dataSource.query(`SELECT count(*)::int AS count FROM runs WHERE tenant_key = $1`, [
      ownerOf(token).tenantKey,
    ]);
    return count;
  }

  it('hands back the run the lost attempt created instead of creating a second one', async () => {
    const token = tenantToken();
    const sdk = new OzAPI({ apiKey: token, baseURL: cp.apiBaseUrl, maxRetries: 2, fetch: fetchLosingFirstResponse() });

    const { data, response } = await sdk.agent.run({ prompt: 'Exactly once, please' }).withResponse();

    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(await runCount(token)).toBe(1);
    expect((await cp.sdk(token).agent.runs.retrieve(data.run_id)).prompt).toBe('Exactly once, please');
  });

  it('still creates identical runs that the caller asked for twice on purpose', async () => {
    const token = tenantToken();
    const first = await cp.sdk(token).agent.run({ prompt: 'Twice on purpose' });
    const second = await cp.sdk(token).agent.run({ prompt: 'Twice on purpose' });
    expect(second.run_id).not.toBe(first.run_id);
    expect(await runCount(token)).toBe(2);
  });

  it('creates a new run when a retried request differs from every recent one', async () => {
    const token = tenantToken();
    await cp.sdk(token).agent.run({ prompt: 'First body' });
    const retried = await cp.request('/api/v1/agent/run', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json', 'x-stainless-retry-count': '1' },
      body: JSON.stringify({ prompt: 'Another body' }),
    });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await runCount(token)).toBe(2);
  });
});
