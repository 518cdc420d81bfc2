import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError } from '../testing/api-expectations';

/**
 * The notification inbox over HTTP on real PostgreSQL and Redis. Agents put notifications in the room
 * owner's inbox through the internal route (X-Agent-Key); the owner lists, marks and deletes them.
 * Every bad input is a clear 4xx; each new notification is a `notification` event on the room.
 */

interface Notification {
  id: string;
  message: string;
  read: boolean;
  [key: string]: unknown;
}

const BAD_IDS: [string, string][] = [
  ['an id that does not exist', randomUUID()],
  ['an id that is not a UUID', 'nope'],
];

describe('notifications API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let rex: { id: string };
  let outsider: { id: string };
  let room: { id: string };
  let sse: SseClient;

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    rex = (await alice.request('POST', '/api/agents', { name: 'Rex', color: '#00FF00', icon: 'rocket' })).body;
    outsider = (await alice.request('POST', '/api/agents', { name: 'Outsider' })).body;
    room = (await alice.request('POST', '/api/rooms', { name: 'inbox-room', agent_ids: [rex.id] })).body;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
    expect(sse.status).toBe(200);
  });
  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  /** POST /api/agent/notifications as an external agent. */
  const notifyAs = (body: unknown, headers: Record<string, string> = { 'x-agent-key': TEST_AGENT_KEY }) =>
    ws.request('POST', '/api/agent/notifications', { body, headers });
  const notify = async (message: string, roomId = room.id, agentId = rex.id): Promise<Notification> => {
    const response = await notifyAs({ room_id: roomId, agent_id: agentId, message });
    expect(response.status).toBe(201);
    return response.body;
  };
  const inbox = async (user: UserClient, query = '') => {
    const response = await user.request('GET', `/api/notifications${query}`);
    expect(response.status).toBe(200);
    return response.body as { items: Notification[]; unread_count: number };
  };

  describe('created by an agent', () => {
    it("puts an unread notification in the room owner's inbox and sends the notification event", async () => {
      const from = sse.events.length;
      const response = await notifyAs({ room_id: room.id, agent_id: rex.id, message: 'Build is green.' });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        room_id: room.id,
        room_name: 'inbox-room',
        agent: { id: rex.id, name: 'Rex', color: '#00FF00', icon: 'rocket' },
        message: 'Build is green.',
        read: false,
        created_at: expect.any(String),
      });
      const event = await sse.waitFor((e) => e.event === 'notification' && sse.events.indexOf(e) >= from);
      expect(event.data).toEqual(response.body);
      expect((await inbox(alice)).items[0]).toEqual(response.body);
      expect((await inbox(bob)).items).toEqual([]);
    });

    it.each([
      ['no X-Agent-Key', {}, 'agent_key_required', /The X-Agent-Key header is required/],
      ['a wrong X-Agent-Key', { 'x-agent-key': 'wrong-key-0123456789' }, 'agent_key_invalid', /The X-Agent-Key is not valid/],
    ])('refuses %s with 401', async (_what, headers, code, message) => {
      expectError(await notifyAs({ room_id: room.id, agent_id: rex.id, message: 'x' }, headers), 401, code, message);
    });

    it("does not open to the owner's session: the route is for agents only", async () => {
      expectError(await alice.request('POST', '/api/agent/notifications', { room_id: room.id, agent_id: rex.id, message: 'x' }), 401, 'agent_key_required', /X-Agent-Key/);
    });

    it.each([
      ['no room_id', { room_id: undefined }, 'room_id', /room_id must be a room id/],
      ['a room_id that is not an id', { room_id: 'inbox-room' }, 'room_id', /room_id must be a room id/],
      ['no agent_id', { agent_id: undefined }, 'agent_id', /agent_id must be an agent id/],
      ['a numeric agent_id', { agent_id: 1 }, 'agent_id', /agent_id must be an agent id/],
      ['no message', { message: undefined }, 'message', /message is required/],
      ['an empty message', { message: '' }, 'message', /message must not be empty/],
      ['an object message', { message: { text: 'hi' } }, 'message', /message must be a string/],
      ['a message of 5001 characters', { message: 'm'.repeat(5001) }, 'message', /message must be shorter than or equal to 5000 characters/],
      ['a NUL in the message', { message: 'done\u0000' }, 'message', /message must not contain NUL characters/],
    ])('refuses %s with a 400 naming the field', async (_what, fields, field, message) => {
      expectError(await notifyAs({ room_id: room.id, agent_id: rex.id, message: 'ok', ...fields }), 400, 'invalid_request', message, field);
    });

    it.each([
      ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
      ['a JSON array', '[]', 'invalid_request', /body must be a JSON object/],
    ])('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await notifyAs(raw), 400, code, message);
    });

    it('answers 404 for a room that does not exist, and for an agent that is not in the room', async () => {
      const missing = randomUUID();
      expectError(await notifyAs({ room_id: missing, agent_id: rex.id, message: 'x' }), 404, 'resource_not_found', new RegExp(`Room ${missing} not found`));
      expectError(await notifyAs({ room_id: room.id, agent_id: outsider.id, message: 'x' }), 404, 'resource_not_found', new RegExp(`Agent ${outsider.id} in room`));
    });
  });

  describe('list', () => {
    let carol: UserClient;
    let mine: Notification[];

    beforeAll(async () => {
      carol = await ws.signup('carol');
      const agent = (await carol.request('POST', '/api/agents', { name: 'Cee' })).body;
      const carolsRoom = (await carol.request('POST', '/api/rooms', { name: 'carol-room', agent_ids: [agent.id] })).body;
      mine = [];
      for (const message of ['one', 'two', 'three', 'four']) mine.push(await notify(message, carolsRoom.id, agent.id));
    });

    it('lists the inbox newest first, with the unread count', async () => {
      expect(await inbox(carol)).toEqual({ items: [...mine].reverse(), unread_count: 4, next_cursor: null });
    });

    it('pages through the inbox with next_cursor: every notification once, newest first', async () => {
      const first = (await carol.request('GET', '/api/notifications?limit=3')).body;
      expect(first.items.map((n: Notification) => n.message)).toEqual(['four', 'three', 'two']);
      expect(first.next_cursor).toEqual(expect.any(String));
      // One arriving meanwhile does not shift the next page.
      const fifth = await notify('five', (first.items[0] as { room_id: string }).room_id, (first.items[0] as { agent: { id: string } }).agent.id);
      const second = (await carol.request('GET', `/api/notifications?limit=3&before=${encodeURIComponent(first.next_cursor)}`)).body;
      expect(second.items.map((n: Notification) => n.message)).toEqual(['one']);
      expect(second.next_cursor).toBeNull();
      expect(second.unread_count).toBe(5);
      await carol.request('DELETE', `/api/notifications/${fifth.id}`);
      // Another user's cursor opens nothing of Carol's.
      expect((await bob.request('GET', `/api/notifications?before=${encodeURIComponent(first.next_cursor)}`)).body.items).toEqual([]);
    });

    it('limits the page but still counts every unread one', async () => {
      const page = await inbox(carol, '?limit=2');
      expect(page.items.map((n) => n.message)).toEqual(['four', 'three']);
      expect(page.unread_count).toBe(4);
    });

    it.each([
      ['unread=true', ['four', 'two']],
      ['unread=1', ['four', 'two']],
      ['unread=false', ['four', 'three', 'two', 'one']],
      ['unread=0', ['four', 'three', 'two', 'one']],
    ])('filters with ?%s', async (query, expected) => {
      await carol.request('PATCH', `/api/notifications/${mine[0].id}`, { read: true });
      await carol.request('PATCH', `/api/notifications/${mine[2].id}`, { read: true });
      const page = await inbox(carol, `?${query}`);
      expect(page.items.map((n) => n.message)).toEqual(expected);
      expect(page.unread_count).toBe(2);
    });

    it.each([
      ['unread=maybe', 'unread', /unread must be true or false/],
      ['unread=', 'unread', /unread must be true or false/],
      ['limit=0', 'limit', /limit must not be less than 1/],
      ['limit=abc', 'limit', /limit must be a whole number/],
      ['limit=2.5', 'limit', /limit must be a whole number/],
      ['limit=201', 'limit', /limit must not be greater than 200/],
      ['unread=tr%00ue', 'unread', /unread must not contain NUL characters/],
      ['before=yesterday', 'before', /before must be a cursor returned as next_cursor/],
    ])('refuses ?%s with a 400 naming the parameter', async (query, field, message) => {
      expectError(await carol.request('GET', `/api/notifications?${query}`), 400, 'invalid_request', message, field);
    });

    it('needs a session (401)', async () => {
      expectError(await ws.request('GET', '/api/notifications'), 401, 'authentication_required', /Log in first/);
      expectError(await ws.request('POST', '/api/notifications/read-all'), 401, 'authentication_required', /Log in first/);
    });
  });

  describe('mark, read-all, delete', () => {
    it('marks a notification read and unread again, moving the unread count', async () => {
      const notification = await notify('mark me');
      const before = (await inbox(alice)).unread_count;

      const read = await alice.request('PATCH', `/api/notifications/${notification.id}`, { read: true });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...notification, read: true });
      expect((await inbox(alice)).unread_count).toBe(before - 1);
      expect((await alice.request('PATCH', `/api/notifications/${notification.id}`, { read: true })).body.read).toBe(true);

      const unread = await alice.request('PATCH', `/api/notifications/${notification.id}`, { read: false });
      expect(unread.body).toEqual({ ...notification, read: false });
      expect((await inbox(alice)).unread_count).toBe(before);
    });

    it.each([
      ['no read', {}, /read must be true or false/],
      ['a string read', { read: 'true' }, /read must be true or false/],
      ['a numeric read', { read: 1 }, /read must be true or false/],
      ['a null read', { read: null }, /read must be true or false/],
    ])('refuses %s with a 400 naming read', async (_what, body, message) => {
      const notification = await notify('bad marks');
      expectError(await alice.request('PATCH', `/api/notifications/${notification.id}`, body), 400, 'invalid_request', message, 'read');
    });

    it.each([
      ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
      ['a JSON array', '[true]', 'invalid_request', /body must be a JSON object/],
    ])('refuses a body that is %s', async (_what, raw, code, message) => {
      const notification = await notify('bad bodies');
      expectError(await ws.request('PATCH', `/api/notifications/${notification.id}`, { body: raw, session: alice.session }), 400, code, message);
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('PATCH', `/api/notifications/${id}`, { read: true }), 404, 'resource_not_found', new RegExp(`Notification ${id} not found`));
      expectError(await alice.request('DELETE', `/api/notifications/${id}`), 404, 'resource_not_found', new RegExp(`Notification ${id} not found`));
    });

    it("answers 404 to another user, who can neither mark nor delete the notification", async () => {
      const notification = await notify('private');
      expectError(await bob.request('PATCH', `/api/notifications/${notification.id}`, { read: true }), 404, 'resource_not_found', /not found/);
      expectError(await bob.request('DELETE', `/api/notifications/${notification.id}`), 404, 'resource_not_found', /not found/);
      expect((await inbox(alice)).items.find((n) => n.id === notification.id)).toMatchObject({ read: false });
    });

    it("marks every one of the caller's notifications read, and no one else's", async () => {
      const dave = await ws.signup('dave');
      const agent = (await dave.request('POST', '/api/agents', { name: 'Dee' })).body;
      const davesRoom = (await dave.request('POST', '/api/rooms', { name: 'dave-room', agent_ids: [agent.id] })).body;
      await notify('dave 1', davesRoom.id, agent.id);
      await notify('dave 2', davesRoom.id, agent.id);
      const alicesUnread = (await inbox(alice)).unread_count;
      expect(alicesUnread).toBeGreaterThan(0);

      const response = await dave.request('POST', '/api/notifications/read-all');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ updated: 2 });
      expect(await inbox(dave, '?unread=true')).toEqual({ items: [], unread_count: 0, next_cursor: null });
      expect((await dave.request('POST', '/api/notifications/read-all')).body).toEqual({ updated: 0 });
      expect((await inbox(alice)).unread_count).toBe(alicesUnread);
    });

    it('deletes a notification: 204, gone from the inbox, then 404', async () => {
      const notification = await notify('delete me');
      const response = await alice.request('DELETE', `/api/notifications/${notification.id}`);
      expect(response.status).toBe(204);
      expect((await inbox(alice, '?limit=200')).items.map((n) => n.id)).not.toContain(notification.id);
      expectError(await alice.request('DELETE', `/api/notifications/${notification.id}`), 404, 'resource_not_found', new RegExp(`Notification ${notification.id} not found`));
      expectError(await alice.request('PATCH', `/api/notifications/${notification.id}`, { read: true }), 404, 'resource_not_found', /not found/);
    });

    it("goes with its room: deleting the room empties that room's notifications from the inbox", async () => {
      const doomed = (await alice.request('POST', '/api/rooms', { name: 'doomed', agent_ids: [rex.id] })).body;
      const notification = await notify('about a doomed room', doomed.id);
      expect((await alice.request('DELETE', `/api/rooms/${doomed.id}`)).status).toBe(204);
      expect((await inbox(alice, '?limit=200')).items.map((n) => n.id)).not.toContain(notification.id);
    });
  });
});
