import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError, watch } from '../testing/api-expectations';

/**
 * /api/rooms on real PostgreSQL and Redis: rooms and their members, pause and resume, the share link,
 * deletion; every bad input a clear 4xx, every id that names nothing (or someone else's room) a 404,
 * and every change a `room` event on the room's stream.
 */

/** Field rules of create and update: [what, body (merged into a valid one), field, message]. */
const FIELD_CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['an empty name', { name: '' }, 'name', /name must not be empty/],
  ['a blank name', { name: ' \t ' }, 'name', /name must not be empty/],
  ['a numeric name', { name: 7 }, 'name', /name/],
  ['a name of 101 characters', { name: 'r'.repeat(101) }, 'name', /name must be shorter than or equal to 100 characters/],
  ['a numeric description', { description: 1 }, 'description', /description must be a string/],
  ['a description of 5001 characters', { description: 'd'.repeat(5001) }, 'description', /description must be shorter than or equal to 5000/],
  ['a string agent_ids', { agent_ids: randomUUID() }, 'agent_ids', /agent_ids must be an array/],
  ['agent_ids that are not ids', { agent_ids: ['nope'] }, 'agent_ids', /agent_ids must hold agent ids/],
  ['numeric agent_ids', { agent_ids: [1] }, 'agent_ids', /agent_ids must hold agent ids/],
  ['51 agent_ids', { agent_ids: Array.from({ length: 51 }, () => randomUUID()) }, 'agent_ids', /agent_ids must contain no more than 50 elements/],
  ['a NUL in the name', { name: 'ro\u0000om' }, 'name', /name must not contain NUL characters/],
  ['a NUL in the description', { description: '\u0000' }, 'description', /description must not contain NUL/],
  ['an unpaired surrogate in the description', { description: 'x\ud800' }, 'description', /unpaired surrogates/],
];

const SHAPE_CASES: [string, string, string, RegExp][] = [
  ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
  ['a JSON array', '[{"name":"r"}]', 'invalid_request', /body must be a JSON object/],
  ['a JSON number', '12', 'invalid_request', /body must be a JSON object/],
];

const BAD_IDS: [string, string][] = [
  ['an id that does not exist', randomUUID()],
  ['an id that is not a UUID', 'nope'],
];

describe('rooms API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let rex: { id: string };
  let sky: { id: string };
  let bobsAgent: { id: string };
  /** Alice's room with a live SSE client on it. */
  let room: { id: string };
  let sse: SseClient;

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    rex = (await alice.request('POST', '/api/agents', { name: 'Rex', color: '#FF0000', icon: 'code', harness: 'codex' })).body;
    sky = (await alice.request('POST', '/api/agents', { name: 'Sky' })).body;
    bobsAgent = (await bob.request('POST', '/api/agents', { name: 'Bobby' })).body;
    room = (await alice.request('POST', '/api/rooms', { name: 'main' })).body;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
    expect(sse.status).toBe(200);
  });
  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  describe('create', () => {
    it('creates an empty, unpaused, unshared room', async () => {
      const response = await alice.request('POST', '/api/rooms', { name: '  fraud-detection ' });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'fraud-detection',
        description: '',
        paused: false,
        share_id: null,
        agents: [],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
    });

    it('creates a room with agents (each once, whatever the case of its id) shown with their looks and status', async () => {
      const response = await alice.request('POST', '/api/rooms', { name: 'team', description: 'Agents see this.', agent_ids: [rex.id, rex.id.toUpperCase(), sky.id] });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ description: 'Agents see this.' });
      expect(response.body.agents).toEqual(
        expect.arrayContaining([
          { id: rex.id, name: 'Rex', color: '#FF0000', icon: 'code', harness: 'codex', status: 'idle' },
          { id: sky.id, name: 'Sky', color: '#3B82F6', icon: 'robot', harness: 'claude-code', status: 'idle' },
        ]),
      );
      expect(response.body.agents).toHaveLength(2);
    });

    it.each(FIELD_CASES.concat([['no name', { name: undefined }, 'name', /name is required/]]))(
      'refuses %s with a 400 naming the field',
      async (_what, fields, field, message) => {
        expectError(await alice.request('POST', '/api/rooms', { name: 'ok', ...fields }), 400, 'invalid_request', message, field);
      },
    );

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('POST', '/api/rooms', { body: raw, session: alice.session }), 400, code, message);
    });

    it("refuses another user's agent, or one that does not exist, with 404 naming it, and creates nothing", async () => {
      const before = (await alice.request('GET', '/api/rooms')).body.items.length;
      for (const id of [bobsAgent.id, randomUUID()]) {
        expectError(await alice.request('POST', '/api/rooms', { name: 'x', agent_ids: [rex.id, id] }), 404, 'resource_not_found', new RegExp(`Agent ${id} not found`));
      }
      expect((await alice.request('GET', '/api/rooms')).body.items).toHaveLength(before);
    });
  });

  describe('list and get', () => {
    it("lists only the caller's rooms, oldest first, with their agents", async () => {
      const carol = await ws.signup('carol');
      const agent = (await carol.request('POST', '/api/agents', { name: 'Cee' })).body;
      const first = (await carol.request('POST', '/api/rooms', { name: 'one', agent_ids: [agent.id] })).body;
      const second = (await carol.request('POST', '/api/rooms', { name: 'two' })).body;

      const response = await carol.request('GET', '/api/rooms');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [first, second] });
      expect(response.body.items[0].agents.map((a: { id: string }) => a.id)).toEqual([agent.id]);
    });

    it('gets one room', async () => {
      const response = await alice.request('GET', `/api/rooms/${room.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: room.id, name: 'main' });
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('GET', `/api/rooms/${id}`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });

    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/share'],
      ['DELETE', '/share'],
      ['PUT', '/agents/AGENT'],
      ['DELETE', '/agents/AGENT'],
    ])("answers 404 to another user for %s /api/rooms/:id%s, and changes nothing", async (method, suffix) => {
      const response = await bob.request(method, `/api/rooms/${room.id}${suffix.replace('AGENT', bobsAgent.id)}`, method === 'PATCH' ? { name: 'hijacked' } : undefined);
      expectError(response, 404, 'resource_not_found', new RegExp(`Room ${room.id} not found`));
      expect((await alice.request('GET', `/api/rooms/${room.id}`)).body).toMatchObject({ name: 'main', paused: false, share_id: null, agents: [] });
    });

    it.each([
      ['GET', '/api/rooms'],
      ['POST', '/api/rooms'],
      ['POST', '/api/rooms/ROOM/pause'],
      ['PUT', '/api/rooms/ROOM/agents/ROOM'],
    ])('%s %s needs a session (401)', async (method, path) => {
      expectError(await ws.request(method, path.replace(/ROOM/g, room.id), { body: method === 'POST' ? {} : undefined }), 401, 'authentication_required', /Log in first/);
    });
  });

  describe('update', () => {
    it('renames and describes a room, leaving what is not given, and sends the room event', async () => {
      const next = watch(sse);
      const response = await alice.request('PATCH', `/api/rooms/${room.id}`, { name: ' renamed ', description: 'About fraud.' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: room.id, name: 'renamed', description: 'About fraud.', paused: false, agents: [] });

      expect((await next('room')).data).toEqual(response.body);

      const second = await alice.request('PATCH', `/api/rooms/${room.id}`, { description: '' });
      expect(second.body).toMatchObject({ name: 'renamed', description: '' });
    });

    it('replaces the members with agent_ids, and [] removes them all', async () => {
      const next = watch(sse);
      const withBoth = await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [rex.id, sky.id] });
      expect(withBoth.body.agents.map((a: { id: string }) => a.id).sort()).toEqual([rex.id, sky.id].sort());
      expect((await next('room', (d) => d.agents.length === 2)).data.agents).toHaveLength(2);

      const onlySky = await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [sky.id] });
      expect(onlySky.body.agents.map((a: { id: string }) => a.id)).toEqual([sky.id]);

      const none = await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [] });
      expect(none.status).toBe(200);
      expect(none.body.agents).toEqual([]);
      expect((await next('room', (d) => d.agents.length === 0)).data.id).toBe(room.id);
    });

    it("refuses another user's agent with 404 and keeps the members", async () => {
      await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [rex.id] });
      expectError(await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [bobsAgent.id] }), 404, 'resource_not_found', new RegExp(`Agent ${bobsAgent.id} not found`));
      expect((await alice.request('GET', `/api/rooms/${room.id}`)).body.agents.map((a: { id: string }) => a.id)).toEqual([rex.id]);
      await alice.request('PATCH', `/api/rooms/${room.id}`, { agent_ids: [] });
    });

    it.each(FIELD_CASES)('refuses %s with a 400 naming the field', async (_what, fields, field, message) => {
      expectError(await alice.request('PATCH', `/api/rooms/${room.id}`, fields), 400, 'invalid_request', message, field);
    });

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('PATCH', `/api/rooms/${room.id}`, { body: raw, session: alice.session }), 400, code, message);
    });

    it('sends no event for a refused change: the next room event is the next accepted one', async () => {
      const next = watch(sse);
      expect((await alice.request('PATCH', `/api/rooms/${room.id}`, { name: '' })).status).toBe(400);
      expect((await alice.request('PATCH', `/api/rooms/${room.id}`, { description: 'accepted' })).status).toBe(200);
      expect((await next('room')).data.description).toBe('accepted');
      expect(sse.of('room').filter((e) => e.data.name === '')).toEqual([]);
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('PATCH', `/api/rooms/${id}`, { name: 'x' }), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });
  });

  describe('members', () => {
    it('adds an agent (idempotently) and removes it, each time with the room event', async () => {
      const next = watch(sse);
      const added = await alice.request('PUT', `/api/rooms/${room.id}/agents/${sky.id}`);
      expect(added.status).toBe(200);
      expect(added.body.agents).toEqual([{ id: sky.id, name: 'Sky', color: '#3B82F6', icon: 'robot', harness: 'claude-code', status: 'idle' }]);
      expect((await next('room', (d) => d.agents.length === 1)).data.agents[0].id).toBe(sky.id);

      const again = await alice.request('PUT', `/api/rooms/${room.id}/agents/${sky.id}`);
      expect(again.status).toBe(200);
      expect(again.body.agents).toHaveLength(1);

      const removed = await alice.request('DELETE', `/api/rooms/${room.id}/agents/${sky.id}`);
      expect(removed.status).toBe(200);
      expect(removed.body.agents).toEqual([]);
      expect((await next('room', (d) => d.agents.length === 0)).data.id).toBe(room.id);
    });

    it.each([
      ["another user's agent", () => bobsAgent.id],
      ['an agent that does not exist', () => BAD_IDS[0][1]],
      ['an agent id that is not a UUID', () => 'nope'],
    ])('refuses to add %s with 404', async (_what, id) => {
      expectError(await alice.request('PUT', `/api/rooms/${room.id}/agents/${id()}`), 404, 'resource_not_found', new RegExp(`Agent ${id()} not found`));
    });

    it.each([
      ['an agent that is not in the room', () => rex.id],
      ['an agent that does not exist', () => BAD_IDS[0][1]],
      ['an agent id that is not a UUID', () => 'nope'],
    ])('refuses to remove %s with 404', async (_what, id) => {
      expectError(
        await alice.request('DELETE', `/api/rooms/${room.id}/agents/${id()}`),
        404,
        'resource_not_found',
        // The message names the agent and the room (the room id may be shortened with an ellipsis).
        new RegExp(`^Agent ${id()} in room ${room.id.slice(0, 8)}.* not found$`),
      );
    });

    it.each(BAD_IDS)('answers 404 for a room with %s', async (_what, id) => {
      for (const method of ['PUT', 'DELETE']) {
        expectError(await alice.request(method, `/api/rooms/${id}/agents/${rex.id}`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
      }
    });
  });

  describe('pause and resume', () => {
    it('pauses and resumes (each idempotent), with the room event each time', async () => {
      const next = watch(sse);
      const paused = await alice.request('POST', `/api/rooms/${room.id}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ id: room.id, paused: true });
      expect((await next('room', (d) => d.paused === true)).data).toEqual(paused.body);
      expect((await alice.request('GET', `/api/rooms/${room.id}`)).body.paused).toBe(true);
      expect((await alice.request('POST', `/api/rooms/${room.id}/pause`)).body.paused).toBe(true);

      const resumed = await alice.request('POST', `/api/rooms/${room.id}/resume`);
      expect(resumed.status).toBe(200);
      expect(resumed.body.paused).toBe(false);
      expect((await next('room', (d) => d.paused === false)).data).toEqual(resumed.body);
      expect((await alice.request('POST', `/api/rooms/${room.id}/resume`)).body.paused).toBe(false);
    });

    it('accepts an empty body sent as application/json (as some SDKs do)', async () => {
      const response = await ws.request('POST', `/api/rooms/${room.id}/resume`, { session: alice.session, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
    });

    it.each(BAD_IDS.flatMap(([what, id]) => ['pause', 'resume'].map((action) => [action, what, id])))('%s answers 404 for %s', async (action, _what, id) => {
      expectError(await alice.request('POST', `/api/rooms/${id}/${action}`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });
  });

  describe('share and unshare', () => {
    it('shares under one stable link, revokes it, and shares again under a new one', async () => {
      const next = watch(sse);
      const shared = await alice.request('POST', `/api/rooms/${room.id}/share`);
      expect(shared.status).toBe(200);
      const shareId = shared.body.share_id;
      expect(shareId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect((await next('room', (d) => d.share_id === shareId)).data).toEqual(shared.body);

      expect((await alice.request('POST', `/api/rooms/${room.id}/share`)).body.share_id).toBe(shareId);
      expect((await ws.request('GET', `/api/public/rooms/${shareId}`)).status).toBe(200);

      const unshared = await alice.request('DELETE', `/api/rooms/${room.id}/share`);
      expect(unshared.status).toBe(200);
      expect(unshared.body.share_id).toBeNull();
      expect((await next('room', (d) => d.share_id === null)).data.id).toBe(room.id);
      expect((await ws.request('GET', `/api/public/rooms/${shareId}`)).status).toBe(404);
      expect((await alice.request('DELETE', `/api/rooms/${room.id}/share`)).body.share_id).toBeNull();

      const reshared = await alice.request('POST', `/api/rooms/${room.id}/share`);
      expect(reshared.body.share_id).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(reshared.body.share_id).not.toBe(shareId);
      await alice.request('DELETE', `/api/rooms/${room.id}/share`);
    });

    it.each(BAD_IDS.flatMap(([what, id]) => ['POST', 'DELETE'].map((method) => [method, what, id])))('%s share answers 404 for %s', async (method, _what, id) => {
      expectError(await alice.request(method, `/api/rooms/${id}/share`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });
  });

  describe('delete', () => {
    it('deletes a room with everything in it: 204, a final {id, deleted} event that ends the stream, then 404', async () => {
      const doomed = (await alice.request('POST', '/api/rooms', { name: 'doomed', agent_ids: [rex.id] })).body;
      await alice.request('POST', `/api/rooms/${doomed.id}/tasks`, { title: 't' });
      await alice.request('POST', `/api/rooms/${doomed.id}/messages`, { content: 'hello' });
      const stream = await SseClient.open(`${ws.origin}/api/events?roomId=${doomed.id}`, { session: alice.session });
      try {
        const response = await alice.request('DELETE', `/api/rooms/${doomed.id}`);
        expect(response.status).toBe(204);

        expect((await stream.waitFor((e) => e.event === 'room')).data).toEqual({ id: doomed.id, deleted: true });
        await stream.ended;

        for (const path of ['', '/tasks', '/messages', '/artifacts']) {
          expectError(await alice.request('GET', `/api/rooms/${doomed.id}${path}`), 404, 'resource_not_found', new RegExp(`Room ${doomed.id} not found`));
        }
        expect((await alice.request('GET', '/api/rooms')).body.items.map((r: { id: string }) => r.id)).not.toContain(doomed.id);
        // Its agents stay: they belong to the user, not the room.
        expect((await alice.request('GET', `/api/agents/${rex.id}`)).status).toBe(200);
        expectError(await alice.request('DELETE', `/api/rooms/${doomed.id}`), 404, 'resource_not_found', /not found/);
      } finally {
        stream.close();
      }
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('DELETE', `/api/rooms/${id}`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });
  });
});
