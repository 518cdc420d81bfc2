import { closeAll, startWorkspace, TEST_PASSWORD, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * The session cookie is what a browser sends by itself, so writes that ride on it must come from the
 * API's own pages (the dashboard is served here) or an origin in OZ_CORS_ORIGIN: a page elsewhere
 * cannot post in your rooms (CSRF). Bearer tokens are sent on purpose and are not checked. Off
 * loopback the cookie is `Secure` unless told otherwise.
 */
describe('cookie writes and their origin', () => {
  let ws: WorkspaceHarness;
  let user: UserClient;
  let roomId: string;
  const partner = 'https://partner.example.com';

  beforeAll(async () => {
    ws = await startWorkspace({ OZ_CORS_ORIGIN: `${partner}/` });
    user = await ws.signup('Ada');
    roomId = (await user.request('POST', '/api/rooms', { name: 'csrf' })).body.id;
  });

  afterAll(() => closeAll([ws], ws?.database));

  const post = (headers: Record<string, string>, session: string | null = user.session) =>
    ws.request('POST', `/api/rooms/${roomId}/messages`, { body: { content: 'hello' }, session, headers });
  const messages = async () => (await user.request('GET', `/api/rooms/${roomId}/messages`)).body.items.length;

  it('refuses a cookie write from another origin with 403 and changes nothing', async () => {
    const before = await messages();
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null', `${partner}.evil.example`]) {
      const response = await post({ origin });
      expect({ origin, status: response.status }).toEqual({ origin, status: 403 });
      expect(response.body).toMatchObject({ code: 'origin_not_allowed', message: expect.stringContaining('Refused a write with the session cookie from') });
    }
    // A browser that sends no Origin but says the request came from another site.
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // Every write method, and logging out someone else's session.
    for (const [method, path] of [
      ['PATCH', `/api/rooms/${roomId}`],
      ['DELETE', `/api/rooms/${roomId}`],
      ['PUT', `/api/rooms/${roomId}/agents/00000000-0000-4000-8000-000000000000`],
      ['POST', '/api/auth/logout'],
    ]) {
      const response = await ws.request(method, path, { body: method === 'PATCH' ? { name: 'pwned' } : undefined, session: user.session, headers: { origin: 'https://evil.example' } });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
    }
    expect(await messages()).toBe(before);
    expect((await user.request('GET', `/api/rooms/${roomId}`)).body.name).toBe('csrf');
    expect((await user.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('lets the same origin, the listed origin and non-browser clients write with the cookie', async () => {
    const host = new URL(ws.origin).host;
    expect((await post({ origin: ws.origin })).status).toBe(201);
    expect((await post({ origin: `https://${host}` })).status).toBe(201); // TLS ended by a proxy in front: same host
    expect((await post({ origin: partner })).status).toBe(201);
    // Behind a proxy that rewrites Host and says which host the page asked for.
    expect((await post({ origin: 'https://dash.example.com', 'x-forwarded-host': 'dash.example.com' })).status).toBe(201);
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await post({})).status).toBe(201); // a script with a cookie jar sends no Origin
  });

  it('does not check bearer tokens, which no page can send by itself', async () => {
    const response = await post({ origin: 'https://evil.example', authorization: `Bearer ${user.session}` }, null);
    expect(response.status).toBe(201);
  });

  it('reads with the cookie from anywhere (reads change nothing), and refuses nothing without a cookie', async () => {
    expect((await ws.request('GET', `/api/rooms/${roomId}`, { session: user.session, headers: { origin: 'https://evil.example' } })).status).toBe(200);
    const anonymous = await ws.request('POST', '/api/auth/login', { body: { email: user.email, password: TEST_PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(anonymous.status).toBe(200);
  });
});

describe('the Secure cookie attribute', () => {
  const cookieOf = async (env: Record<string, string>) => {
    const ws = await startWorkspace({ OZ_SIGNUP: 'open', ...env });
    try {
      const created = await ws.request('POST', '/api/auth/signup', { body: { name: 'Cookie', email: 'cookie@example.com', password: TEST_PASSWORD } });
      expect(created.status).toBe(201);
      const logout = await ws.request('POST', '/api/auth/logout', { session: created.headers.get('x-session-token') });
      return { login: created.headers.get('set-cookie') ?? '', logout: logout.headers.get('set-cookie') ?? '' };
    } finally {
      await closeAll([ws], ws.database);
    }
  };

  it('is set by default when the server binds a non-loopback address', async () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      const { login, logout } = await cookieOf({ HOST: host });
      expect(login).toMatch(/^oz_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
      expect(logout).toMatch(/; Secure$/);
    }
  });

  it('is left out on a loopback bind, and OZ_COOKIE_SECURE overrides either default', async () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect((await cookieOf({ HOST: host })).login).not.toContain('Secure');
    expect((await cookieOf({ HOST: '0.0.0.0', OZ_COOKIE_SECURE: 'false' })).login).not.toContain('Secure');
    expect((await cookieOf({ HOST: '127.0.0.1', OZ_COOKIE_SECURE: 'true' })).login).toMatch(/; Secure$/);
  });
});
