import { createTestDatabase, type TestDatabase } from '@oz/testing';
import { Client } from 'pg';
import { readErrorBody } from './testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from './testing/control-plane-harness';
import { registeredRoutes } from './testing/registered-routes';

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('the control plane app', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane({ OZ_MAX_BODY_BYTES: '4096' });
  });
  afterAll(() => cp.close());

  describe('request ids', () => {
    const GENERATED = /^req_[0-9a-f-]{36}$/;

    const requests: [string, string, RequestInit & { token?: string | null }, number][] = [
      ['a created run', '/api/v1/agent/runs', json({ prompt: 'hi' }), 201],
      ['a list', '/api/v1/agent/runs', {}, 200],
      ['health', '/health', { token: null }, 200],
      ['the OpenAPI document', '/api/docs-json', { token: null }, 200],
      ['a validation error', '/api/v1/agent/runs', json({ prompt: 5 }), 400],
      ['malformed JSON', '/api/v1/agent/runs', { ...json(null), body: '{' }, 400],
      ['a missing token', '/api/v1/agent/runs', { token: null }, 401],
      ['an unknown run', '/api/v1/agent/runs/3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11', {}, 404],
      ['an unknown route', '/api/v1/nothing-here', {}, 404],
      ['a path segment over the router limit', `/api/v1/agent/runs/${'a'.repeat(150)}`, {}, 404],
      ['bad percent-encoding', '/api/v1/agent/runs/%E0%A4%A', {}, 400],
      ['a body too large', '/api/v1/agent/runs', json({ prompt: 'x'.repeat(5000) }), 413],
      ['an unsupported Content-Type', '/api/v1/agent/runs', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' }, 415],
    ];

    it.each(requests)('puts a generated X-Request-Id on %s', async (_, path, init, status) => {
      const response = await cp.request(path, init);
      expect(response.status).toBe(status);
      expect(response.headers.get('x-request-id')).toMatch(GENERATED);
      if (status >= 400) expect((await readErrorBody(response)).request_id).toBe(response.headers.get('x-request-id'));
    });

    it('gives every request its own id', async () => {
      const ids = await Promise.all(
        Array.from({ length: 20 }, async () => (await cp.request('/health')).headers.get('x-request-id')),
      );
      expect(new Set(ids).size).toBe(20);
    });

    it.each(requests)('echoes a caller-supplied id on %s, in the header and the error body', async (_, path, init, status) => {
      const supplied = `trace-${status}_${Date.now()}.a:b`;
      const response = await cp.request(path, { ...init, headers: { ...(init.headers as object), 'x-request-id': supplied } });
      expect(response.status).toBe(status);
      expect(response.headers.get('x-request-id')).toBe(supplied);
      if (status >= 400) expect((await readErrorBody(response)).request_id).toBe(supplied);
    });

    it('keeps an id of 128 characters', async () => {
      const supplied = 'r'.repeat(128);
      const response = await cp.request('/api/v1/nothing-here', { headers: { 'x-request-id': supplied } });
      expect(response.headers.get('x-request-id')).toBe(supplied);
    });

    it.each([
      ['spaces', 'my request id'],
      ['300 characters', 'r'.repeat(300)],
      ['129 characters', 'r'.repeat(129)],
      ['a semicolon', 'a;b'],
      ['quotes and angle brackets', '"<script>"'],
      ['two ids', 'first, second'],
    ])('replaces a supplied id with %s by a generated one', async (_, supplied) => {
      const response = await cp.request('/api/v1/nothing-here', { headers: { 'x-request-id': supplied } });
      const body = await readErrorBody(response);
      expect(response.headers.get('x-request-id')).toMatch(GENERATED);
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
    });
  });

  describe('health', () => {
    it('answers 200 with the database up, without a token', async () => {
      const response = await cp.request('/health', { token: null });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', database: 'up' });
    });
  });

  describe('OpenAPI', () => {
    type Operation = { operationId?: string; security?: Record<string, string[]>[]; responses?: object };
    let document: {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, Operation>>;
      components?: Record<string, Record<string, unknown>>;
    };

    beforeAll(async () => {
      const response = await cp.request('/api/docs-json', { token: null });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      document = await response.json();
    });

    const operations = () =>
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
      );

    it('is an OpenAPI 3 document with a title, a version and paths', () => {
      expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(document.info.title).toMatch(/\S/);
      expect(document.info.version).toMatch(/\S/);
      expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    });

    it('documents every runs, environments and schedules path', () => {
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/agent/run',
          '/api/v1/agent/runs',
          '/api/v1/agent/runs/{runId}',
          '/api/v1/agent/runs/{runId}/cancel',
          '/api/v1/environments',
          '/api/v1/environments/{environmentId}',
          '/api/v1/agent/schedules',
          '/api/v1/agent/schedules/{scheduleId}',
          '/api/v1/agent/schedules/{scheduleId}/pause',
          '/api/v1/agent/schedules/{scheduleId}/resume',
          '/health',
        ]),
      );
    });

    it('documents every route the server answers under /api/v1', () => {
      const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
      const served = registeredRoutes(cp.app)
        .filter((route) => route.path.startsWith('/api/v1/') && route.method !== 'HEAD')
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
      expect(served.filter((route) => !documented.has(route))).toEqual([]);
    });

    it('gives every operation an operationId and responses', () => {
      for (const { method, path, operation } of operations()) {
        expect(`${method} ${path}: ${operation.operationId}`).toMatch(/: [a-zA-Z]+$/);
        expect(Object.keys(operation.responses ?? {}).length).toBeGreaterThan(0);
      }
    });

    it('gives every operation a unique operationId', () => {
      const byId = new Map<string, string[]>();
      for (const { method, path, operation } of operations()) {
        byId.set(operation.operationId ?? '', [...(byId.get(operation.operationId ?? '') ?? []), `${method} ${path}`]);
      }
      expect([...byId].filter(([, routes]) => routes.length > 1)).toEqual([]);
    });

    it('marks every /api/v1 operation as needing the bearer token', () => {
      const unsecured = operations()
        .filter(({ path, operation }) => path.startsWith('/api/v1/') && !operation.security?.some((s) => 'bearer' in s))
        .map(({ method, path }) => `${method} ${path}`);
      expect(unsecured).toEqual([]);
      expect(document.components?.['securitySchemes']?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('resolves every $ref inside the document', () => {
      const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      const unresolved = refs.filter((ref) => {
        const target = ref
          .replace(/^#\//, '')
          .split('/')
          .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
        return !ref.startsWith('#/') || target === undefined;
      });
      expect(unresolved).toEqual([]);
    });

    it('serves the Swagger UI as HTML at /api/docs', async () => {
      const response = await cp.request('/api/docs', { token: null });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<html[\s\S]*swagger/i);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) => ({
      method: 'OPTIONS',
      token: null,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-retry-count',
      },
    });

    it('sends no CORS headers when OZ_CORS_ORIGIN is unset', async () => {
      const simple = await cp.request('/api/v1/agent/runs', { headers: { origin: 'https://app.example' } });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      const options = await cp.request('/api/v1/agent/runs', preflight('https://app.example'));
      expect(options.headers.get('access-control-allow-origin')).toBeNull();
      expect(options.headers.get('access-control-allow-headers')).toBeNull();
    });

    describe('with OZ_CORS_ORIGIN set to two origins', () => {
      let corsCp: ControlPlaneHarness;
      beforeAll(async () => {
        corsCp = await startControlPlane({ OZ_CORS_ORIGIN: 'https://app.example, https://admin.example' });
      });
      afterAll(() => corsCp.close());

      it.each(['https://app.example', 'https://admin.example'])('allows a preflight from %s with the SDK headers', async (origin) => {
        const response = await corsCp.request('/api/v1/agent/runs', preflight(origin));
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('access-control-allow-origin')).toBe(origin);
        expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
        const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
        expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-stainless-retry-count']));
      });

      it('lets the browser read X-Request-Id, on success and on errors', async () => {
        for (const token of [tenantToken(), null]) {
          const response = await corsCp.request('/api/v1/agent/runs', { token, headers: { origin: 'https://app.example' } });
          expect(response.status).toBe(token ? 200 : 401);
          expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
          expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
        }
      });

      it('does not allow another origin', async () => {
        const options = await corsCp.request('/api/v1/agent/runs', preflight('https://evil.example'));
        expect(options.headers.get('access-control-allow-origin')).toBeNull();
        const simple = await corsCp.request('/api/v1/agent/runs', { headers: { origin: 'https://evil.example' } });
        expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      });
    });
  });
});

describe('health when the database is gone', () => {
  let cp: ControlPlaneHarness;
  let database: TestDatabase;
  let admin: Client;

  beforeAll(async () => {
    database = await createTestDatabase('oz_cp_health');
    cp = await startControlPlane({}, database);
    const serverUrl = new URL(database.url);
    serverUrl.pathname = '/postgres';
    admin = new Client({ connectionString: serverUrl.toString() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`);
    await admin.end();
    await cp.close();
    await database.drop();
  });

  it('answers 503 with Retry-After while the database refuses connections, and 200 once it is back', async () => {
    await admin.query(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database.name]);

    const down = await cp.request('/health', { token: null });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = await readErrorBody(down);
    expect(body).toMatchObject({ code: 'resource_unavailable', retryable: true, message: 'Database unreachable' });

    // Back without a restart: pooled connections the termination killed may fail a check or two first.
    await admin.query(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`);
    let up = await cp.request('/health', { token: null });
    for (const deadline = Date.now() + 10_000; up.status !== 200 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      up = await cp.request('/health', { token: null });
    }
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok', database: 'up' });
  });
});

describe('start-up migrations', () => {
  const databases: TestDatabase[] = [];
  const apps: ControlPlaneHarness[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('starts with the smallest database pool allowed (migrations run on the connection holding the lock)', async () => {
    const database = await createTestDatabase('oz_cp_pool2');
    databases.push(database);
    apps.push(await startControlPlane({ OZ_DB_POOL_SIZE: '2' }, database));
    expect((await apps[0].request('/health')).status).toBe(200);
  });

  it('lets two replicas start together on one fresh database, migrating it once', async () => {
    const database = await createTestDatabase('oz_cp_replicas');
    databases.push(database);
    const replicas = await Promise.all([startControlPlane({}, database), startControlPlane({}, database)]);
    apps.push(...replicas);

    for (const replica of replicas) expect((await replica.request('/health')).status).toBe(200);
    const applied: { name: string; times: string }[] = await replicas[0].dataSource.query(
      'SELECT name, count(*) AS times FROM typeorm_migrations GROUP BY name',
    );
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.filter((m) => m.times !== '1')).toEqual([]);
  });
});

describe('secrets key check', () => {
  it('refuses to start with another key than the one the stored secrets were sealed with', async () => {
    const database = await createTestDatabase('oz_cp_keys');
    const first = await startControlPlane({ OZ_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') }, database);
    try {
      await expect(
        startControlPlane({ OZ_SECRETS_KEY: Buffer.alloc(32, 2).toString('base64') }, database),
      ).rejects.toThrow(/not the key the stored environment secrets were encrypted with/);
      // The right key still starts.
      const again = await startControlPlane({ OZ_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') }, database);
      await again.close();
    } finally {
      await first.close();
      await database.drop();
    }
  });
});
