import { RateLimitError } from 'oz-agent-sdk';
import { readErrorBody } from '../testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { ownerOf } from '../testing/run-fixtures';

const JSON_BODY = { 'content-type': 'application/json' };

/** POST /agent/run as `token` on `replica`. */
function create(replica: ControlPlaneHarness, token: string, prompt: string, headers: Record<string, string> = {}): Promise<Response> {
  return replica.request('/api/v1/agent/run', { token, method: 'POST', headers: { ...JSON_BODY, ...headers }, body: JSON.stringify({ prompt }) });
}

/**
 * Per-tenant limits on creating runs: runs per minute and unfinished runs at once. Counted in the
 * database under a per-tenant lock, so replicas together never let a tenant past a limit; a refusal
 * is a 429 with Retry-After whose message names the limit (the SDK retries 429s).
 */
describe('per-tenant run limits', () => {
  describe('runs per minute', () => {
    let a: ControlPlaneHarness;
    let b: ControlPlaneHarness;
    beforeAll(async () => {
      const limits = { OZ_TENANT_RUNS_PER_MINUTE: '5', OZ_TENANT_MAX_UNFINISHED_RUNS: '0' };
      a = await startControlPlane(limits);
      b = await startControlPlane({ ...limits, OZ_ADMIN_API_KEY: a.adminKey }, a.database);
    });
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('lets exactly the limit through when two replicas take creates at once', async () => {
      const token = tenantToken('burst');
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => create(i % 2 ? a : b, token, `burst ${i}`)));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(429)]);

      const refused = responses.find((response) => response.status === 429) as Response;
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = await readErrorBody(refused);
      expect(body.code).toBe('tenant_run_rate_limited');
      expect(body.message).toMatch(/^Too many runs: this tenant created 5 runs in the last minute and may create at most 5 per minute \(OZ_TENANT_RUNS_PER_MINUTE\); retry in \d+ s$/);
      const [{ n }] = await a.dataSource.query(`SELECT count(*)::int AS n FROM runs WHERE tenant_key = $1`, [ownerOf(token).tenantKey]);
      expect(n).toBe(5);
    });

    it('counts each tenant on its own, and never the admin', async () => {
      const busy = tenantToken('busy');
      for (let i = 0; i < 5; i++) expect((await create(a, busy, `busy ${i}`)).status).toBe(201);
      expect((await create(b, busy, 'one more')).status).toBe(429);
      expect((await create(b, tenantToken('other'), 'someone else')).status).toBe(201);
      for (let i = 0; i < 7; i++) expect((await create(i % 2 ? a : b, a.adminKey, `admin ${i}`)).status).toBe(201);
    });

    it('answers a retry of a run already made with that run, even at the limit', async () => {
      const token = tenantToken('retrying');
      const first = await create(a, token, 'keyed', { 'idempotency-key': 'once-only' });
      for (let i = 0; i < 4; i++) await create(a, token, `filler ${i}`);
      const retry = await create(b, token, 'keyed', { 'idempotency-key': 'once-only' });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect((await retry.json()).run_id).toBe((await first.json()).run_id);
    });

    it('gives the official SDK a RateLimitError naming the limit', async () => {
      const sdk = a.sdk(tenantToken('sdk'));
      for (let i = 0; i < 5; i++) await sdk.agent.run({ prompt: `sdk ${i}` });
      const error = await sdk.agent.run({ prompt: 'sixth' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).message).toMatch(/OZ_TENANT_RUNS_PER_MINUTE/);
      expect((error as RateLimitError).headers?.get('retry-after')).toMatch(/^\d+$/);
    });
  });

  describe('unfinished runs', () => {
    let a: ControlPlaneHarness;
    let b: ControlPlaneHarness;
    beforeAll(async () => {
      const limits = { OZ_TENANT_RUNS_PER_MINUTE: '0', OZ_TENANT_MAX_UNFINISHED_RUNS: '3' };
      a = await startControlPlane(limits);
      b = await startControlPlane({ ...limits, OZ_ADMIN_API_KEY: a.adminKey }, a.database);
    });
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('holds a tenant to its unfinished runs across replicas, and frees a place when one finishes', async () => {
      const token = tenantToken('steady');
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => create(i % 2 ? a : b, token, `job ${i}`)));
      expect(responses.map((response) => response.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);

      const refused = responses.find((response) => response.status === 429) as Response;
      expect(refused.headers.get('retry-after')).toBe('10');
      const body = await readErrorBody(refused);
      expect(body.code).toBe('tenant_unfinished_runs_limited');
      expect(body.message).toBe(
        'Too many unfinished runs: this tenant has 3 runs queued or running and may have at most 3 at once (OZ_TENANT_MAX_UNFINISHED_RUNS); retry once one has finished, or cancel one',
      );

      const created = await Promise.all(responses.filter((response) => response.status === 201).map(async (response) => (await response.json()).run_id as string));
      expect((await a.request(`/api/v1/agent/runs/${created[0]}/cancel`, { token, method: 'POST' })).status).toBe(200);
      expect((await create(b, token, 'after a cancel')).status).toBe(201);
      expect((await create(a, token, 'and no more')).status).toBe(429);
    });
  });
});
