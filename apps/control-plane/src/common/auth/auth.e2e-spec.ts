import { randomUUID } from 'node:crypto';
import { readErrorBody } from '../../testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../../testing/control-plane-harness';
import { registeredRoutes, type RegisteredRoute } from '../../testing/registered-routes';

/**
 * Routes anyone may call without a token. Everything else the server answers must refuse a request
 * without one, so a new route ships with an auth decision: either it is guarded, or it is added here.
 */
const PUBLIC_ROUTES = [
  /^(GET|HEAD) \/health$/,
  /^(GET|HEAD) \/api\/docs(\/.*|-json|-yaml|\*)?$/,
  // Prometheus's: open, or behind OZ_METRICS_TOKEN (metrics.e2e-spec.ts), never an API key.
  /^(GET|HEAD) \/metrics$/,
];
const isPublic = ({ method, path }: RegisteredRoute) => PUBLIC_ROUTES.some((rule) => rule.test(`${method} ${path}`));

/** A concrete URL for a route pattern: parameters become a UUID no row has, wildcards a plain segment. */
const urlFor = (path: string) => path.replace(/:[A-Za-z]+/g, randomUUID()).replace(/\*$/, 'x');

const BAD_AUTHORIZATION: [string, Record<string, string>][] = [
  ['no Authorization header', {}],
  ['Basic credentials', { authorization: 'Basic dXNlcjpwYXNzd29yZA==' }],
  ['a bare "Bearer"', { authorization: 'Bearer' }],
  ['"Bearer" and spaces', { authorization: 'Bearer    ' }],
  ['a 7-character bearer token', { authorization: 'Bearer 1234567' }],
  ['a bearer token with a space in it', { authorization: 'Bearer abcdefgh ijklmnop' }],
  ['a bearer token of 4097 characters', { authorization: `Bearer ${'t'.repeat(4097)}` }],
  ['a token without the Bearer scheme', { authorization: 'abcdefghijklmnop' }],
];

describe('authentication', () => {
  let cp: ControlPlaneHarness;
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    cp = await startControlPlane();
    routes = registeredRoutes(cp.app);
  });
  afterAll(() => cp.close());

  it('lists the registered routes, controllers and Swagger alike', () => {
    // Guards the listing itself: were printRoutes() to change format, the coverage test below would pass on nothing.
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /api/docs-json',
        'POST /api/v1/agent/run',
        'POST /api/v1/agent/runs',
        'GET /api/v1/agent/runs/:runId',
        'POST /api/v1/agent/runs/:runId/cancel',
        'PUT /api/v1/environments/:environmentId',
        'POST /api/v1/agent/schedules/:scheduleId/resume',
      ]),
    );
  });

  it('refuses a request without a token on every registered route except the public ones', async () => {
    const guarded = routes.filter((route) => !isPublic(route));
    expect(guarded.length).toBeGreaterThanOrEqual(20);

    const answers = await Promise.all(
      guarded.map(async (route) => {
        const response = await cp.request(urlFor(route.path), { method: route.method, token: null });
        return `${route.method} ${route.path} → ${response.status}`;
      }),
    );
    expect(answers).toEqual(guarded.map((route) => `${route.method} ${route.path} → 401`));
  });

  it('serves health and the API docs without a token', async () => {
    for (const path of ['/health', '/api/docs', '/api/docs-json', '/api/docs-yaml']) {
      const response = await cp.request(path, { token: null });
      expect(`${path} → ${response.status}`).toBe(`${path} → 200`);
    }
  });

  describe.each(BAD_AUTHORIZATION)('with %s', (_, headers) => {
    const apiRoutes = () => routes.filter((route) => route.path.startsWith('/api/v1/') && route.method !== 'HEAD');

    it('answers 401 with the JSON error body on every /api/v1 route (the LLM gateway’s in its callers’ formats)', async () => {
      for (const route of apiRoutes()) {
        const response = await cp.request(urlFor(route.path), { method: route.method, token: null, headers });
        expect(`${route.method} ${route.path} → ${response.status}`).toBe(`${route.method} ${route.path} → 401`);
        if (route.path.startsWith('/api/v1/llm/')) {
          // Anthropic, OpenAI and Gemini all put the words in error.message.
          expect(response.headers.get('x-request-id')).toBeTruthy();
          const body = (await response.json()) as { error: { message: string } };
          expect(body.error.message).toMatch(/task token.*Bearer/);
          continue;
        }
        const body = await readErrorBody(response);
        expect(body.code).toBe('authentication_required');
        expect(body.message).toMatch(/Bearer/);
      }
    });

    it('still answers /health', async () => {
      const response = await cp.request('/health', { token: null, headers });
      expect(response.status).toBe(200);
    });
  });

  describe('tokens', () => {
    const listRunIds = async (token: string) => {
      const response = await cp.request('/api/v1/agent/runs?limit=100', { token });
      expect(response.status).toBe(200);
      return ((await response.json()).runs as { run_id: string }[]).map((run) => run.run_id);
    };

    it('accepts a token of exactly 8 characters as a tenant', async () => {
      const token = `${randomUUID().slice(0, 8)}`;
      const run = await cp.sdk(token).agent.run({ prompt: 'short token' });
      expect(await listRunIds(token)).toEqual([run.run_id]);
    });

    it('keeps each tenant to its own runs while the admin key sees every tenant', async () => {
      const alice = tenantToken('alice');
      const bob = tenantToken('bob');
      const alicesRun = (await cp.sdk(alice).agent.run({ prompt: 'alice' })).run_id;
      const bobsRun = (await cp.sdk(bob).agent.run({ prompt: 'bob' })).run_id;

      expect(await listRunIds(alice)).toEqual([alicesRun]);
      expect(await listRunIds(bob)).toEqual([bobsRun]);
      expect(await listRunIds(cp.adminKey)).toEqual(expect.arrayContaining([alicesRun, bobsRun]));

      const bobReadsAlicesRun = await cp.request(`/api/v1/agent/runs/${alicesRun}`, { token: bob });
      expect(bobReadsAlicesRun.status).toBe(404);
      const adminReadsAlicesRun = await cp.request(`/api/v1/agent/runs/${alicesRun}`, { token: cp.adminKey });
      expect(adminReadsAlicesRun.status).toBe(200);
    });

    it('treats a token that merely resembles the admin key as a tenant', async () => {
      const admins = (await cp.sdk(cp.adminKey).agent.run({ prompt: 'admin' })).run_id;
      for (const lookalike of [`${cp.adminKey}x`, cp.adminKey.slice(0, -1), cp.adminKey.toUpperCase()]) {
        expect(await listRunIds(lookalike)).not.toContain(admins);
      }
    });

    it('accepts the Bearer scheme in any case and with extra spaces', async () => {
      const token = tenantToken();
      for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer    ${token}`]) {
        const response = await cp.request('/api/v1/agent/runs', { token: null, headers: { authorization } });
        expect(response.status).toBe(200);
      }
    });
  });
});
