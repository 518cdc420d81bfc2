import { createTestDatabase, freePort, waitForHealth, type TestDatabase } from '@oz/testing';
import { AuthenticationError } from 'oz-agent-sdk';
import { readErrorBody } from '../testing/error-response';
import { buildControlPlane, startControlPlaneProcess } from '../testing/control-plane-process';
import { secretsKeyFor, startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { ownerOf } from '../testing/run-fixtures';

const JSON_BODY = { 'content-type': 'application/json' };

interface IssuedKey {
  id: string;
  name: string;
  tenant: string;
  token: string;
  created_at: string;
  last_used_at: string | null;
}

/** POST /admin/tenant-keys with the admin key. */
async function issue(cp: ControlPlaneHarness, body: Record<string, unknown>): Promise<IssuedKey> {
  const response = await cp.request('/api/v1/admin/tenant-keys', { method: 'POST', headers: JSON_BODY, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as IssuedKey;
}

describe('tenancy', () => {
  describe('on a non-loopback bind, with no OZ_TENANCY', () => {
    let database: TestDatabase;
    beforeAll(buildControlPlane);
    beforeAll(async () => {
      database = await createTestDatabase('oz_cp_tenancy');
    });
    afterAll(() => database.drop());

    it('is registered: an unknown token gets 401, an issued tenant key gets in', async () => {
      const port = await freePort();
      const adminKey = 'tenancy-admin-key-0123456789abcdef';
      // Bound to every address, as in a container: the control plane is reachable from the network.
      const server = startControlPlaneProcess([], {
        DATABASE_URL: database.url,
        OZ_ADMIN_API_KEY: adminKey,
        OZ_SECRETS_KEY: secretsKeyFor(database),
        OZ_EXECUTOR_CONCURRENCY: '0',
        OZ_SCHEDULER_ENABLED: 'false',
        OZ_LOG_LEVEL: 'warn',
        HOST: '0.0.0.0',
        PORT: String(port),
      });
      try {
        const origin = `http://127.0.0.1:${port}`;
        await waitForHealth(`${origin}/health`, server.exit, server.output);
        const call = (token: string, path = '/api/v1/agent/runs', init: RequestInit = {}) =>
          fetch(`${origin}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

        const unknown = await call('any-token-anyone-could-invent');
        expect(unknown.status).toBe(401);
        expect((await readErrorBody(unknown)).message).toMatch(/only tenant keys its admin issued \(POST \/api\/v1\/admin\/tenant-keys\)/);

        const issued = await call(adminKey, '/api/v1/admin/tenant-keys', { method: 'POST', headers: JSON_BODY, body: '{"name":"ci"}' });
        expect(issued.status).toBe(201);
        const { token } = (await issued.json()) as IssuedKey;
        expect((await call(token)).status).toBe(200);
        // The admin key works everywhere it did.
        expect((await call(adminKey)).status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
        await server.exit;
      }
    });
  });

  describe('registered, with two replicas on one database', () => {
    let a: ControlPlaneHarness;
    let b: ControlPlaneHarness;
    beforeAll(async () => {
      // HOST as configured decides the default; the harness listens on loopback either way.
      a = await startControlPlane({ HOST: '0.0.0.0' });
      // Replicas share the admin key (b's requests name it: its harness made up a key of its own).
      b = await startControlPlane({ HOST: '0.0.0.0', OZ_ADMIN_API_KEY: a.adminKey }, a.database);
    });
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('issues a key of 32+ random bytes, shown once and stored only as its sha256, which is the tenant key', async () => {
      const issued = await issue(a, { name: '  data team  ' });
      expect(issued).toEqual({
        id: expect.any(String),
        name: 'data team',
        tenant: ownerOf(issued.token).creatorUid,
        token: expect.stringMatching(/^oz_tenant_[A-Za-z0-9_-]{43}$/),
        created_at: expect.any(String),
        last_used_at: null,
      });
      const [row] = await a.dataSource.query(`SELECT row_to_json(c)::text AS whole, token_hash FROM credentials c WHERE id = $1`, [issued.id]);
      expect(row.whole).not.toContain(issued.token);
      expect(row.token_hash).toBe(ownerOf(issued.token).tenantKey);

      const run = await b.sdk(issued.token).agent.run({ prompt: 'as the data team' });
      const [owner] = await a.dataSource.query(`SELECT tenant_key FROM runs WHERE id = $1`, [run.run_id]);
      expect(owner.tenant_key).toBe(ownerOf(issued.token).tenantKey);
    });

    it('lists the keys that work, never with a token, with when each was last used', async () => {
      const used = await issue(a, { name: 'used' });
      const unused = await issue(a, { name: 'unused' });
      await b.sdk(used.token).agent.runs.list();
      // last_used_at is written beside the request, not before its answer: wait for it.
      const listKeys = async () => {
        const response = await b.request('/api/v1/admin/tenant-keys', { token: a.adminKey });
        expect(response.status).toBe(200);
        return ((await response.json()) as { tenant_keys: IssuedKey[] }).tenant_keys;
      };
      let tenant_keys = await listKeys();
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !tenant_keys.find((key) => key.id === used.id)?.last_used_at; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        tenant_keys = await listKeys();
      }
      const byId = new Map(tenant_keys.map((key) => [key.id, key]));
      expect(byId.get(used.id)).toEqual({ id: used.id, name: 'used', tenant: used.tenant, created_at: used.created_at, last_used_at: expect.any(String) });
      expect(byId.get(unused.id)?.last_used_at).toBeNull();
      const listed = JSON.stringify(tenant_keys);
      expect(listed).not.toContain(used.token);
      expect(listed).not.toContain(unused.token);
    });

    it('revokes a key on every replica from the next request on', async () => {
      const key = await issue(a, { name: 'leaving' });
      expect((await a.request('/api/v1/agent/runs', { token: key.token })).status).toBe(200);
      expect((await b.request('/api/v1/agent/runs', { token: key.token })).status).toBe(200);

      const revoked = await a.request(`/api/v1/admin/tenant-keys/${key.id}`, { method: 'DELETE' });
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toEqual({ success: true });

      for (const replica of [b, a]) {
        const response = await replica.request('/api/v1/agent/runs', { token: key.token });
        expect(response.status).toBe(401);
        expect((await readErrorBody(response)).message).toBe('This tenant key was revoked');
      }
      await expect(b.sdk(key.token).agent.run({ prompt: 'still here?' })).rejects.toBeInstanceOf(AuthenticationError);
      const listed = (await (await b.request('/api/v1/admin/tenant-keys', { token: a.adminKey })).json()) as { tenant_keys: IssuedKey[] };
      expect(listed.tenant_keys.map((k) => k.id)).not.toContain(key.id);
      // Revoking again, or a key that never was, is a 404.
      expect((await b.request(`/api/v1/admin/tenant-keys/${key.id}`, { method: 'DELETE', token: a.adminKey })).status).toBe(404);
      expect((await b.request('/api/v1/admin/tenant-keys/not-a-uuid', { method: 'DELETE', token: a.adminKey })).status).toBe(404);
    });

    it('registers an existing token, so a tenant of open tenancy keeps its runs', async () => {
      const token = tenantToken('from-open-days-0123456789');
      const open = await startControlPlane({ OZ_TENANCY: 'open', OZ_ADMIN_API_KEY: a.adminKey }, a.database);
      try {
        const earlier = await open.sdk(token).agent.run({ prompt: 'made while tenancy was open' });
        expect((await a.request('/api/v1/agent/runs', { token })).status).toBe(401);
        await issue(a, { name: 'migrated', token });
        const { runs } = await a.sdk(token).agent.runs.list();
        expect(runs.map((run) => run.run_id)).toEqual([earlier.run_id]);
      } finally {
        await open.close();
      }
    });

    it('refuses to issue a token that is already a credential, or too short to be one', async () => {
      const key = await issue(a, { name: 'first' });
      const again = await a.request('/api/v1/admin/tenant-keys', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'again', token: key.token }) });
      expect(again.status).toBe(409);
      const short = await a.request('/api/v1/admin/tenant-keys', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'x', token: 'too-short' }) });
      expect(short.status).toBe(400);
      expect((await readErrorBody(short)).errors).toEqual([{ field: 'token', message: 'token must be at least 32 characters' }]);
      const blank = await a.request('/api/v1/admin/tenant-keys', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: '   ' }) });
      expect(blank.status).toBe(400);
    });

    it('takes the tenant keys an operator set in OZ_TENANT_KEYS (a workspace’s, say)', async () => {
      const workspaceToken = 'oz_workspace_0123456789abcdef0123456789';
      const configured = await startControlPlane({ HOST: '0.0.0.0', OZ_TENANT_KEYS: `workspace=${workspaceToken}` }, a.database);
      try {
        const run = await configured.sdk(workspaceToken).agent.run({ prompt: 'from the workspace' });
        const [owner] = await a.dataSource.query(`SELECT tenant_key FROM runs WHERE id = $1`, [run.run_id]);
        expect(owner.tenant_key).toBe(ownerOf(workspaceToken).tenantKey);
        // Only where it is configured: the other replicas here were started without it.
        expect((await a.request('/api/v1/agent/runs', { token: workspaceToken })).status).toBe(401);
        const again = await configured.request('/api/v1/admin/tenant-keys', {
          method: 'POST',
          headers: JSON_BODY,
          body: JSON.stringify({ name: 'copy', token: workspaceToken }),
        });
        expect(again.status).toBe(409);
      } finally {
        await configured.close();
      }
    });

    it('lets only the admin key manage tenant keys', async () => {
      const key = await issue(a, { name: 'not an admin' });
      for (const [method, path] of [
        ['POST', '/api/v1/admin/tenant-keys'],
        ['GET', '/api/v1/admin/tenant-keys'],
        ['DELETE', `/api/v1/admin/tenant-keys/${key.id}`],
      ] as const) {
        const response = await a.request(path, { method, token: key.token, headers: JSON_BODY, body: method === 'POST' ? '{"name":"x"}' : undefined });
        expect(`${method} ${path} → ${response.status}`).toBe(`${method} ${path} → 403`);
      }
    });
  });
});
