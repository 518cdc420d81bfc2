import { closeAll, startWorkspace, TEST_PASSWORD, type WorkspaceHarness } from '../testing/workspace-harness';

describe('accounts: signup, login, sessions', () => {
  let ws: WorkspaceHarness;

  beforeAll(async () => {
    ws = await startWorkspace({ OZ_LOGIN_MAX_FAILURES: '3', OZ_LOGIN_WINDOW_SECONDS: '600' });
  });

  afterAll(() => closeAll([ws], ws?.database));

  const signup = (body: unknown) => ws.request('POST', '/api/auth/signup', { body });
  const login = (body: unknown, headers: Record<string, string> = {}) => ws.request('POST', '/api/auth/login', { body, headers });
  const sessionFrom = (cookie: string | null) => /oz_session=([^;]+)/.exec(cookie ?? '')?.[1] ?? null;

  it('signs up with a lower-cased email, sets an httpOnly session cookie and logs in with any email case', async () => {
    const created = await signup({ name: '  Grace Hopper ', email: '  Grace@Example.COM ', password: TEST_PASSWORD });
    expect(created.status).toBe(201);
    // The instance's first account: its admin.
    expect(created.body).toEqual({ id: expect.any(String), name: 'Grace Hopper', email: 'grace@example.com', is_admin: true });
    expect(created.body).not.toHaveProperty('password_hash');
    const cookie = created.headers.get('set-cookie');
    expect(cookie).toMatch(/^oz_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const me = await ws.request('GET', '/api/auth/me', { session: sessionFrom(cookie) });
    expect(me.body).toEqual(created.body);

    // The peer's bug: signing up as Grace@… and logging in as GRACE@… must be one account.
    const loggedIn = await login({ email: 'GRACE@example.com', password: TEST_PASSWORD });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.id).toBe(created.body.id);
    expect(sessionFrom(loggedIn.headers.get('set-cookie'))).not.toBe(sessionFrom(cookie));

    const duplicate = await signup({ name: 'Other', email: 'grace@EXAMPLE.com', password: TEST_PASSWORD });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toBe('An account with this email already exists');
  });

  it('logout ends the session on the server', async () => {
    const created = await signup({ name: 'Leaver', email: 'leaver@example.com', password: TEST_PASSWORD });
    const session = created.headers.get('x-session-token')!;
    expect((await ws.request('GET', '/api/auth/me', { session })).status).toBe(200);
    const out = await ws.request('POST', '/api/auth/logout', { session });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^oz_session=; .*Max-Age=0/);
    const after = await ws.request('GET', '/api/auth/me', { session });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'authentication_required', message: expect.stringContaining('Log in') });
    // The bearer form of the same token is refused too, and garbage is just "not logged in".
    expect((await ws.request('GET', '/api/auth/me', { headers: { authorization: `Bearer ${session}` } })).status).toBe(401);
    expect((await ws.request('GET', '/api/auth/me', { headers: { cookie: 'oz_session=%E0%A4%A' } })).status).toBe(401);
  });

  it.each([
    [{ name: 'Al', email: 'al@example.com', password: 'Short-1a' }, 'Password must be at least 12 characters long'],
    [{ name: 'Al', email: 'al@example.com', password: 'alllowercaseletters' }, 'Password must mix at least three of'],
    [{ name: 'Al', email: 'alfred@example.com', password: 'Alfred-Secret-99' }, 'Password must not contain your email address'],
    [{ name: 'Bartholomew', email: 'b@example.com', password: 'xBartholomew-42' }, 'Password must not contain your name'],
    [{ name: 'Al', email: 'al@example.com', password: `A1-${'x'.repeat(200)}` }, 'Password must be at most 200 characters long'],
    [{ name: 'Al', email: 'not-an-email', password: TEST_PASSWORD }, 'email must be an email address'],
    [{ name: '', email: 'al@example.com', password: TEST_PASSWORD }, 'name must not be empty'],
    [{ email: 'al@example.com', password: TEST_PASSWORD }, 'name is required'],
    [{ name: 'Al', email: 'al@example.com' }, 'password is required'],
    [{ name: 'Al', email: 'al@example.com', password: 12345678901234 }, 'password must be a string'],
  ])('refuses signup %j with a clear message', async (body, message) => {
    const response = await signup(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(message) });
  });

  it('refuses a wrong password without saying whether the account exists', async () => {
    await signup({ name: 'Known', email: 'known@example.com', password: TEST_PASSWORD });
    const wrong = await login({ email: 'known@example.com', password: 'Wrong-Password-42' });
    const unknown = await login({ email: 'nobody@example.com', password: 'Wrong-Password-42' });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: 'invalid_credentials', message: 'Email or password is incorrect' });
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    expect((await login({ email: 'known@example.com' })).status).toBe(400);
  });

  it('limits repeated failed logins per account, even for the right password, then lets others in', async () => {
    await signup({ name: 'Target', email: 'target@example.com', password: TEST_PASSWORD });
    for (let i = 0; i < 3; i++) expect((await login({ email: 'Target@example.com', password: `Guess-Number-${i}x` })).status).toBe(401);
    const limited = await login({ email: 'target@example.com', password: TEST_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/Too many failed logins; try again in \d+ s/) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
    // Another account from the same address is not locked out.
    await signup({ name: 'Bystander', email: 'bystander@example.com', password: TEST_PASSWORD });
    expect((await login({ email: 'bystander@example.com', password: TEST_PASSWORD })).status).toBe(200);
    // The count lives in PostgreSQL: a second replica on the same database refuses too.
    const replica = await startWorkspace({ OZ_LOGIN_MAX_FAILURES: '3' }, ws.database);
    try {
      expect((await replica.request('POST', '/api/auth/login', { body: { email: 'target@example.com', password: TEST_PASSWORD } })).status).toBe(429);
    } finally {
      await replica.close();
    }
  });

  it('a successful login clears earlier failures', async () => {
    await signup({ name: 'Forgetful', email: 'forgetful@example.com', password: TEST_PASSWORD });
    for (let i = 0; i < 2; i++) await login({ email: 'forgetful@example.com', password: 'Nope-Nope-Nope-1' });
    expect((await login({ email: 'forgetful@example.com', password: TEST_PASSWORD })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login({ email: 'forgetful@example.com', password: 'Nope-Nope-Nope-1' })).status).toBe(401);
    expect((await login({ email: 'forgetful@example.com', password: TEST_PASSWORD })).status).toBe(200);
  });

  it('serves health, request ids and the OpenAPI document without a session', async () => {
    const health = await ws.request('GET', '/health', { headers: { 'x-request-id': 'probe-1' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBe('probe-1');
    const docs = await ws.request('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/rooms', '/api/events', '/api/agent-response']));
    const generated = await ws.request('GET', '/api/rooms');
    expect(generated.headers.get('x-request-id')).toMatch(/^req_/);
    expect(generated.body.request_id).toBe(generated.headers.get('x-request-id'));
  });
});
