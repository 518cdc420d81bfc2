import { createTestDatabase, queryOnce, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { closeAll, startWorkspace, TEST_PASSWORD, type ApiResponse, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Who may sign up (OZ_SIGNUP) and the instance admin: the first account is the admin, decided under
 * a lock so that two first signups cannot both win; invites are made by the admin alone, open one
 * signup each, expire and can be revoked.
 */

const body = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  email: `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@example.com`,
  password: TEST_PASSWORD,
  ...extra,
});

describe('the instance admin', () => {
  it('is the first account, and only the first of two racing signups', async () => {
    const ws = await startWorkspace();
    try {
      const [one, two] = await Promise.all([
        ws.request('POST', '/api/auth/signup', { body: body('First') }),
        ws.request('POST', '/api/auth/signup', { body: body('Second') }),
      ]);
      expect([one.status, two.status]).toEqual([201, 201]);
      expect([one.body.is_admin, two.body.is_admin].sort()).toEqual([false, true]);
      // /me says so too (the dashboard hides admin views from the others).
      for (const created of [one, two]) {
        const me = await ws.request('GET', '/api/auth/me', { session: created.headers.get('x-session-token') });
        expect(me.body).toEqual({ id: created.body.id, name: created.body.name, email: created.body.email, is_admin: created.body.is_admin });
      }
      const admins = await queryOnce<{ n: number }>(ws.database.url, 'SELECT count(*)::int AS n FROM workspace.users WHERE is_admin');
      expect(admins).toEqual([{ n: 1 }]);
      // Later accounts are never admins.
      expect((await ws.signup('Third')).id).toBeTruthy();
      expect(await queryOnce(ws.database.url, 'SELECT count(*)::int AS n FROM workspace.users WHERE is_admin')).toEqual([{ n: 1 }]);
    } finally {
      await closeAll([ws], ws.database);
    }
  });
});

describe('OZ_SIGNUP', () => {
  it('is open by default on a loopback bind: anyone signs up', async () => {
    const ws = await startWorkspace({ HOST: '127.0.0.1' });
    try {
      for (const name of ['Ann', 'Ben', 'Cat']) expect((await ws.request('POST', '/api/auth/signup', { body: body(name) })).status).toBe(201);
    } finally {
      await closeAll([ws], ws.database);
    }
  });

  describe('invite (the default off loopback)', () => {
    let ws: WorkspaceHarness;
    let admin: { session: string };
    let member: { session: string };
    const signup = (data: unknown) => ws.request('POST', '/api/auth/signup', { body: data });
    const asAdmin = (method: string, path: string, data?: unknown) => ws.request(method, path, { body: data, session: admin.session });

    beforeAll(async () => {
      ws = await startWorkspace({ HOST: '0.0.0.0' });
      // The first account needs no invite: otherwise nobody could ever start.
      const first = await signup(body('Admin'));
      expect(first.status).toBe(201);
      expect(first.body.is_admin).toBe(true);
      admin = { session: first.headers.get('x-session-token') as string };
      const invite = await asAdmin('POST', '/api/admin/invites', {});
      const joined = await signup(body('Member', { invite_token: invite.body.token }));
      expect(joined.status).toBe(201);
      member = { session: joined.headers.get('x-session-token') as string };
    });

    afterAll(() => closeAll([ws], ws?.database));

    const refused = (response: ApiResponse, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ code, message: expect.any(String) });
    };

    it('refuses a signup without an invite, or with a token nobody issued', async () => {
      refused(await signup(body('Stranger')), 403, 'invite_required');
      expect((await signup(body('Stranger'))).body.message).toBe('Signing up on this server needs an invite: ask its admin for an invite link');
      refused(await signup(body('Stranger', { invite_token: `oz_invite_${randomBytes(32).toString('base64url')}` })), 403, 'invite_invalid');
      refused(await signup(body('Stranger', { invite_token: 42 })), 400, 'invalid_request');
    });

    it('lets an admin invite someone once: the invite is shown with its token once, listed without it, and used up', async () => {
      const created = await asAdmin('POST', '/api/admin/invites', {});
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        email: null,
        state: 'pending',
        token: expect.stringMatching(/^oz_invite_[A-Za-z0-9_-]{43}$/),
        link: `/signup?invite=${created.body.token}`,
        created_at: expect.any(String),
        expires_at: expect.any(String),
        used_at: null,
      });
      expect(Date.parse(created.body.expires_at) - Date.parse(created.body.created_at)).toBe(7 * 24 * 3600 * 1000);
      const token = created.body.token as string;

      const listed = await asAdmin('GET', '/api/admin/invites');
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).not.toContain(token);
      expect(listed.body.items.find((i: { id: string }) => i.id === created.body.id)).toMatchObject({ state: 'pending', used_at: null });
      // Only its hash is stored.
      const stored = await queryOnce<{ token_hash: string }>(ws.database.url, `SELECT token_hash FROM workspace.invites WHERE id = '${created.body.id}'`);
      expect(stored[0].token_hash).not.toContain(token);

      const used = await signup(body('Invited', { invite_token: token }));
      expect(used.status).toBe(201);
      expect(used.body.is_admin).toBe(false);
      refused(await signup(body('Again', { invite_token: token })), 403, 'invite_invalid');
      const after = (await asAdmin('GET', '/api/admin/invites')).body.items.find((i: { id: string }) => i.id === created.body.id);
      expect(after).toMatchObject({ state: 'used', used_at: expect.any(String) });
    });

    it('opens one signup only, when two race for one invite', async () => {
      const { token } = (await asAdmin('POST', '/api/admin/invites', {})).body;
      const results = await Promise.all(['Racer', 'Rival', 'Runner'].map((name) => signup(body(name, { invite_token: token }))));
      expect(results.map((r) => r.status).sort()).toEqual([201, 403, 403]);
    });

    it('binds an invite to the email it names (in any case)', async () => {
      const created = await asAdmin('POST', '/api/admin/invites', { email: '  Grace@Example.com ' });
      expect(created.body.email).toBe('grace@example.com');
      refused(await signup(body('Mallory', { invite_token: created.body.token })), 403, 'invite_invalid');
      const grace = await signup({ name: 'Grace', email: 'GRACE@example.com', password: TEST_PASSWORD, invite_token: created.body.token });
      expect(grace.status).toBe(201);
      refused(await asAdmin('POST', '/api/admin/invites', { email: 'not-an-email' }), 400, 'invalid_request');
    });

    it('refuses an expired invite', async () => {
      const created = await asAdmin('POST', '/api/admin/invites', {});
      await queryOnce(ws.database.url, `UPDATE workspace.invites SET expires_at = now() - interval '1 second' WHERE id = '${created.body.id}'`);
      refused(await signup(body('Late', { invite_token: created.body.token })), 403, 'invite_invalid');
      expect((await asAdmin('GET', '/api/admin/invites')).body.items.find((i: { id: string }) => i.id === created.body.id).state).toBe('expired');
    });

    it('refuses a revoked invite at once', async () => {
      const created = await asAdmin('POST', '/api/admin/invites', {});
      expect((await asAdmin('DELETE', `/api/admin/invites/${created.body.id}`)).status).toBe(204);
      refused(await signup(body('Revoked', { invite_token: created.body.token })), 403, 'invite_invalid');
      refused(await asAdmin('DELETE', `/api/admin/invites/${created.body.id}`), 404, 'resource_not_found');
      refused(await asAdmin('DELETE', '/api/admin/invites/not-a-uuid'), 404, 'resource_not_found');
    });

    it('lets only the admin make, list or revoke invites', async () => {
      const { id } = (await asAdmin('POST', '/api/admin/invites', {})).body;
      for (const [method, path] of [
        ['POST', '/api/admin/invites'],
        ['GET', '/api/admin/invites'],
        ['DELETE', `/api/admin/invites/${id}`],
      ]) {
        const response = await ws.request(method, path, { body: method === 'POST' ? {} : undefined, session: member.session });
        refused(response, 403, 'admin_only');
        expect(response.body.message).toBe('Only the instance admin can manage invites');
        refused(await ws.request(method, path, { body: method === 'POST' ? {} : undefined }), 401, 'authentication_required');
      }
      // The member's attempt revoked nothing.
      expect((await asAdmin('GET', '/api/admin/invites')).body.items.some((i: { id: string }) => i.id === id)).toBe(true);
    });
  });

  describe('closed', () => {
    let database: TestDatabase;
    let ws: WorkspaceHarness;

    beforeAll(async () => {
      database = await createTestDatabase('oz_ws_closed');
      ws = await startWorkspace({ OZ_SIGNUP: 'closed' }, database);
    });

    afterAll(() => closeAll([ws], database));

    it('takes the first account (the admin) and nobody after it, invite or not', async () => {
      const first = await ws.request('POST', '/api/auth/signup', { body: body('Owner') });
      expect(first.status).toBe(201);
      expect(first.body.is_admin).toBe(true);
      const second = await ws.request('POST', '/api/auth/signup', { body: body('Guest') });
      expect(second.status).toBe(403);
      expect(second.body).toMatchObject({ code: 'signup_closed', message: 'Signing up is closed on this server: it takes no new accounts' });
      const invite = await ws.request('POST', '/api/admin/invites', { body: {}, session: first.headers.get('x-session-token') });
      expect(invite.status).toBe(409);
      expect(invite.body.message).toContain('OZ_SIGNUP=closed');
      // An invite made while signup was open does not open it again once closed.
      const open = await startWorkspace({ OZ_SIGNUP: 'invite' }, database);
      let token: string;
      try {
        token = (await open.request('POST', '/api/admin/invites', { body: {}, session: first.headers.get('x-session-token') })).body.token;
      } finally {
        await open.close();
      }
      const withInvite = await ws.request('POST', '/api/auth/signup', { body: body('Guest', { invite_token: token }) });
      expect(withInvite.status).toBe(403);
      expect(withInvite.body.code).toBe('signup_closed');
      // Existing accounts still log in.
      const login = await ws.request('POST', '/api/auth/login', { body: { email: first.body.email, password: TEST_PASSWORD } });
      expect(login.status).toBe(200);
    });
  });
});
