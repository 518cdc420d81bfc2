import { connectScriptedWorker, upgradeStatus } from '@oz/testing';
import { readErrorBody } from '../testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';

const TOKEN_A = 'worker-a-token-0123456789abcdef';
const TOKEN_B = 'worker-b-token-0123456789abcdef';
const SHARED = 'shared-worker-token-0123456789';

interface IssuedWorkerToken {
  id: string;
  worker_id: string;
  token: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Worker tokens are bound to one worker id, so a worker cannot connect as another and take the runs
 * pinned to it (`config.worker_host`): from OZ_WORKER_TOKENS, or issued by the admin. The shared
 * OZ_WORKER_TOKEN and the admin key still connect any worker. Refusals happen at the upgrade.
 */
describe('worker tokens', () => {
  let cp: ControlPlaneHarness;
  const upgrade = (token: string, workerId: string) => upgradeStatus(cp.origin, { authorization: `Bearer ${token}` }, `worker_id=${workerId}`);

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKENS: `a=${TOKEN_A},b=${TOKEN_B}`, OZ_WORKER_TOKEN: SHARED, OZ_TENANCY: 'registered' });
  });
  afterAll(() => cp.close());

  it('connect a configured worker as itself, and never as another worker', async () => {
    expect(await upgrade(TOKEN_A, 'a')).toBe(101);
    expect(await upgrade(TOKEN_B, 'b')).toBe(101);
    expect(await upgrade(TOKEN_A, 'b')).toBe(403);
    expect(await upgrade(TOKEN_B, 'a')).toBe(403);
    expect(await upgrade(TOKEN_A, 'a-2')).toBe(403);
  });

  it('issued by the admin, connect only as their worker id, until revoked', async () => {
    const response = await cp.request('/api/v1/admin/worker-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ worker_id: 'build-7' }),
    });
    expect(response.status).toBe(201);
    const issued = (await response.json()) as IssuedWorkerToken;
    expect(issued).toEqual({
      id: expect.any(String),
      worker_id: 'build-7',
      token: expect.stringMatching(/^oz_worker_[A-Za-z0-9_-]{43}$/),
      created_at: expect.any(String),
      last_used_at: null,
    });

    const worker = await connectScriptedWorker(cp.origin, issued.token, 'build-7');
    await worker.close();
    expect(await upgrade(issued.token, 'a')).toBe(403);
    expect(await upgrade(issued.token, 'build-8')).toBe(403);

    // last_used_at is written after the connection is let in, without holding it up: wait for it.
    let listed = await (await cp.request('/api/v1/admin/worker-tokens')).json();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !listed.worker_tokens.some((t: { id: string; last_used_at: string | null }) => t.id === issued.id && t.last_used_at); ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await (await cp.request('/api/v1/admin/worker-tokens')).json();
    }
    expect(listed.worker_tokens).toContainEqual({ id: issued.id, worker_id: 'build-7', created_at: issued.created_at, last_used_at: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(issued.token);

    expect((await cp.request(`/api/v1/admin/worker-tokens/${issued.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await upgrade(issued.token, 'build-7')).toBe(403);
  });

  it('refuses a worker id the protocol does not allow, when issuing', async () => {
    const response = await cp.request('/api/v1/admin/worker-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ worker_id: 'warp-hosted' }),
    });
    expect(response.status).toBe(400);
    expect((await readErrorBody(response)).errors?.[0]?.field).toBe('worker_id');
  });

  it('open no REST route: a worker token is not a tenant', async () => {
    for (const token of [TOKEN_A, SHARED]) {
      const response = await cp.request('/api/v1/agent/runs', { token });
      expect(response.status).toBe(401);
      expect((await readErrorBody(response)).message).toMatch(/worker token: it opens only the worker channel/);
    }
  });

  it('still let the shared OZ_WORKER_TOKEN and the admin key connect any worker id, and a tenant key none', async () => {
    expect(await upgrade(SHARED, 'anything-1')).toBe(101);
    expect(await upgrade(cp.adminKey, 'anything-2')).toBe(101);
    const tenant = await cp.request('/api/v1/admin/tenant-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"t"}' });
    const { token } = (await tenant.json()) as { token: string };
    expect(await upgrade(token, 'a')).toBe(403);
    expect(await upgrade(tenantToken(), 'a')).toBe(403);
  });
});
