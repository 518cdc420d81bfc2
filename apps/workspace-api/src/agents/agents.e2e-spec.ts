import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError } from '../testing/api-expectations';

/**
 * /api/agents on real PostgreSQL and Redis: the happy paths, the field rules (each bad field is a 400
 * naming it), names unique per user ignoring case, ids that name nothing (404), and the `room` events
 * that tell a room's viewers when one of its agents changes or goes.
 */

/** Field rules shared by create and update: [what, body (merged into a valid one), field, message]. */
const FIELD_CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['an empty name', { name: '' }, 'name', /name must not be empty/],
  ['a blank name', { name: '   ' }, 'name', /name must not be empty/],
  ['a numeric name', { name: 42 }, 'name', /name/],
  ['a name of 65 characters', { name: 'n'.repeat(65) }, 'name', /name must be shorter than or equal to 64 characters/],
  ['a name starting with @', { name: '@Rex' }, 'name', /name may hold letters, digits/],
  ['a name with a slash', { name: 'a/b' }, 'name', /name may hold letters, digits/],
  ['a colour by name', { color: 'blue' }, 'color', /color must be a hex colour like #3B82F6/],
  ['a three-digit colour', { color: '#fff' }, 'color', /color must be a hex colour/],
  ['a numeric colour', { color: 0x3b82f6 }, 'color', /color must be a hex colour/],
  ['an unknown icon', { icon: 'unicorn' }, 'icon', /icon must be one of: robot, brain/],
  ['an unknown harness', { harness: 'vim' }, 'harness', /harness must be one of: claude-code, codex/],
  ['a harness in capitals', { harness: 'CODEX' }, 'harness', /harness must be one of/],
  ['a numeric model', { model: 5 }, 'model', /model must be a string/],
  ['a model of 201 characters', { model: 'm'.repeat(201) }, 'model', /model must be shorter than or equal to 200 characters/],
  ['a numeric environment_id', { environment_id: 7 }, 'environment_id', /environment_id must be a string/],
  ['a system_prompt of 20001 characters', { system_prompt: 'p'.repeat(20_001) }, 'system_prompt', /system_prompt must be shorter than or equal to 20000/],
  ['an array system_prompt', { system_prompt: ['be nice'] }, 'system_prompt', /system_prompt must be a string/],
  ['a null system_prompt (the column holds text)', { system_prompt: null }, 'system_prompt', /system_prompt/],
  ['a repo_url that is not a URL', { repo_url: 'not a url' }, 'repo_url', /repo_url must be a URL/],
  ['a string skills', { skills: 'web-search' }, 'skills', /skills must be an array/],
  ['numeric skills', { skills: [1] }, 'skills', /each value in skills must be a string/],
  ['51 skills', { skills: Array.from({ length: 51 }, (_, i) => `s${i}`) }, 'skills', /skills must contain no more than 50 elements/],
  ['a null skills (an agent always has a list)', { skills: null }, 'skills', /skills/],
  ['a null mcp_servers (an agent always has a map)', { mcp_servers: null }, 'mcp_servers', /mcp_servers/],
  ['an array mcp_servers', { mcp_servers: [] }, 'mcp_servers', /mcp_servers must be an object of server name/],
  ['a string mcp_servers', { mcp_servers: 'github' }, 'mcp_servers', /mcp_servers must be an object/],
  ['a NUL in the name', { name: 'Re\u0000x' }, 'name', /name must not contain NUL characters/],
  ['a NUL in the system_prompt', { system_prompt: 'hi\u0000' }, 'system_prompt', /system_prompt must not contain NUL/],
  ['a NUL in a skill', { skills: ['ok', 'b\u0000d'] }, 'skills.1', /skills\.1 must not contain NUL/],
  ['a NUL in an MCP server setting', { mcp_servers: { gh: { url: 'x\u0000' } } }, 'mcp_servers.gh.url', /mcp_servers\.gh\.url must not contain NUL/],
];

/** Bodies that are not a JSON object at all. */
const SHAPE_CASES: [string, string, string, RegExp][] = [
  ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
  ['a JSON array', '[{"name":"Rex"}]', 'invalid_request', /body must be a JSON object/],
  ['a JSON string', '"Rex"', 'invalid_request', /body must be a JSON object/],
  ['JSON null', 'null', 'invalid_request', /body must be a JSON object/],
];

describe('agents API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let existing: { id: string; name: string };

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    existing = (await alice.request('POST', '/api/agents', { name: 'Existing' })).body;
  });
  afterAll(() => closeAll([ws], ws?.database));

  let names = 0;
  const uniqueName = () => `Agent ${++names}`;

  describe('create', () => {
    it('creates an agent with the defaults: blue robot on claude-code, no model, no skills, not running anywhere', async () => {
      const response = await alice.request('POST', '/api/agents', { name: '  Rex  ' });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Rex',
        color: '#3B82F6',
        icon: 'robot',
        harness: 'claude-code',
        model: null,
        environment_id: null,
        system_prompt: '',
        repo_url: null,
        skills: [],
        mcp_servers: {},
        running_in_room_ids: [],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(response.body).not.toHaveProperty('user_id');
    });

    it('keeps every field given, and reads back the same from GET', async () => {
      const body = {
        name: 'Full Agent_1.0-b',
        color: '#10b981',
        icon: 'terminal',
        harness: 'codex',
        model: 'openai/gpt-5',
        environment_id: 'env-123',
        system_prompt: 'You review pull requests.',
        repo_url: 'https://github.com/acme/app',
        skills: ['review', 'web-search'],
        mcp_servers: { github: { url: 'https://mcp.example.com', headers: { a: 'b' } } },
      };
      const created = await alice.request('POST', '/api/agents', body);
      expect(created.status).toBe(201);
      // Header values are secrets: shown redacted (agent-secrets.e2e-spec.ts has the rest).
      expect(created.body).toMatchObject({ ...body, mcp_servers: { github: { url: 'https://mcp.example.com', headers: { a: '<redacted>' } } } });

      const read = await alice.request('GET', `/api/agents/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
    });

    it('takes the defaults for a null color, icon and harness', async () => {
      const response = await alice.request('POST', '/api/agents', { name: uniqueName(), color: null, icon: null, harness: null });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ color: '#3B82F6', icon: 'robot', harness: 'claude-code' });
    });

    it('stores a blank model, environment_id and repo_url as null (the harness default)', async () => {
      const response = await alice.request('POST', '/api/agents', { name: uniqueName(), model: '  ', environment_id: '', repo_url: '' });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ model: null, environment_id: null, repo_url: null });
    });

    it.each(FIELD_CASES.concat([['no name at all', { name: undefined }, 'name', /name is required/]]))(
      'refuses %s with a 400 naming the field',
      async (_what, fields, field, message) => {
        const response = await alice.request('POST', '/api/agents', { name: uniqueName(), ...fields });
        expectError(response, 400, 'invalid_request', message, field);
      },
    );

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      const response = await ws.request('POST', '/api/agents', { body: raw, session: alice.session });
      expectError(response, 400, code, message);
    });

    it.each([
      ['the same name', 'Existing'],
      ['the name in other case', 'EXISTING'],
      ['the name with spaces around it', '  existing '],
    ])('refuses %s as another agent of the same user with 409', async (_what, name) => {
      const response = await alice.request('POST', '/api/agents', { name });
      expectError(response, 409, 'conflict', new RegExp(`You already have an agent named ${name.trim()}`, 'i'));
    });

    it('lets two users each have an agent of the same name', async () => {
      const response = await bob.request('POST', '/api/agents', { name: 'existing' });
      expect(response.status).toBe(201);
    });
  });

  describe('list and get', () => {
    it("lists only the caller's agents, oldest first", async () => {
      const carol = await ws.signup('carol');
      const first = (await carol.request('POST', '/api/agents', { name: 'First' })).body;
      const second = (await carol.request('POST', '/api/agents', { name: 'Second' })).body;

      const response = await carol.request('GET', '/api/agents');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [first, second] });
    });

    it.each([
      ['an id that does not exist', randomUUID()],
      ['an id that is not a UUID', 'nope'],
    ])('answers 404 for %s', async (_what, id) => {
      const response = await alice.request('GET', `/api/agents/${id}`);
      expectError(response, 404, 'resource_not_found', new RegExp(`Agent ${id} not found`));
    });

    it("answers 404, not 403, for another user's agent, and that user cannot change or delete it either", async () => {
      const path = `/api/agents/${existing.id}`;
      for (const [method, body] of [['GET'], ['PATCH', { name: 'Stolen' }], ['DELETE']] as const) {
        expectError(await bob.request(method, path, body), 404, 'resource_not_found', new RegExp(`Agent ${existing.id} not found`));
      }
      expect((await alice.request('GET', path)).body.name).toBe('Existing');
    });

    it.each([
      ['GET', '/api/agents'],
      ['POST', '/api/agents'],
      ['GET', '/api/agents/ID'],
      ['PATCH', '/api/agents/ID'],
      ['DELETE', '/api/agents/ID'],
    ])('%s %s needs a session (401)', async (method, path) => {
      const response = await ws.request(method, path.replace('ID', existing.id), { body: method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined });
      expectError(response, 401, 'authentication_required', /Log in first/);
    });
  });

  describe('update', () => {
    it('changes only the fields given and moves updated_at', async () => {
      const created = (await alice.request('POST', '/api/agents', { name: uniqueName(), skills: ['a'], model: 'm1' })).body;
      const response = await alice.request('PATCH', `/api/agents/${created.id}`, { color: '#000000', icon: 'bug', model: '' });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ...created, color: '#000000', icon: 'bug', model: null, updated_at: expect.any(String) });
      expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    });

    it('renames an agent, also to its own name in another case', async () => {
      const created = (await alice.request('POST', '/api/agents', { name: 'Casey' })).body;
      const response = await alice.request('PATCH', `/api/agents/${created.id}`, { name: 'CASEY' });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe('CASEY');
    });

    it("refuses a rename to another agent's name (any case) with 409, and keeps the old name", async () => {
      const created = (await alice.request('POST', '/api/agents', { name: 'Renamer' })).body;
      const response = await alice.request('PATCH', `/api/agents/${created.id}`, { name: 'eXisting' });
      expectError(response, 409, 'conflict', /You already have an agent named eXisting/);
      expect((await alice.request('GET', `/api/agents/${created.id}`)).body.name).toBe('Renamer');
    });

    /** On create a null colour, icon or harness means the default; on update it would erase a required field. */
    const NULL_CASES: [string, Record<string, unknown>, string, RegExp][] = ['name', 'color', 'icon', 'harness'].map((field) => [
      `a null ${field}`,
      { [field]: null },
      field,
      new RegExp(field),
    ]);

    it.each(FIELD_CASES.concat(NULL_CASES))('refuses %s with a 400 naming the field', async (_what, fields, field, message) => {
      const response = await alice.request('PATCH', `/api/agents/${existing.id}`, fields);
      expectError(response, 400, 'invalid_request', message, field);
    });

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      const response = await ws.request('PATCH', `/api/agents/${existing.id}`, { body: raw, session: alice.session });
      expectError(response, 400, code, message);
    });

    it('left the agent unchanged after all those refusals', async () => {
      const response = await alice.request('GET', `/api/agents/${existing.id}`);
      expect(response.body).toMatchObject({ name: 'Existing', color: '#3B82F6', icon: 'robot', harness: 'claude-code', system_prompt: '', skills: [], mcp_servers: {} });
    });

    it.each([
      ['an id that does not exist', randomUUID()],
      ['an id that is not a UUID', 'nope'],
    ])('answers 404 for %s', async (_what, id) => {
      const response = await alice.request('PATCH', `/api/agents/${id}`, { color: '#111111' });
      expectError(response, 404, 'resource_not_found', new RegExp(`Agent ${id} not found`));
    });
  });

  describe('delete', () => {
    it('deletes an agent: 204, then 404 and gone from the list', async () => {
      const created = (await alice.request('POST', '/api/agents', { name: uniqueName() })).body;
      const response = await alice.request('DELETE', `/api/agents/${created.id}`);
      expect(response.status).toBe(204);
      expect(response.body).toBeNull();

      expectError(await alice.request('GET', `/api/agents/${created.id}`), 404, 'resource_not_found', /not found/);
      expectError(await alice.request('DELETE', `/api/agents/${created.id}`), 404, 'resource_not_found', new RegExp(`Agent ${created.id} not found`));
      expect((await alice.request('GET', '/api/agents')).body.items.map((a: { id: string }) => a.id)).not.toContain(created.id);
    });

    it('frees the name of a deleted agent', async () => {
      const created = (await alice.request('POST', '/api/agents', { name: 'Phoenix' })).body;
      await alice.request('DELETE', `/api/agents/${created.id}`);
      expect((await alice.request('POST', '/api/agents', { name: 'phoenix' })).status).toBe(201);
    });

    it.each([
      ['an id that does not exist', randomUUID()],
      ['an id that is not a UUID', 'nope'],
    ])('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('DELETE', `/api/agents/${id}`), 404, 'resource_not_found', new RegExp(`Agent ${id} not found`));
    });
  });

  describe('room events', () => {
    let sse: SseClient;
    let room: { id: string };
    let member: { id: string };

    beforeAll(async () => {
      member = (await alice.request('POST', '/api/agents', { name: 'Member' })).body;
      room = (await alice.request('POST', '/api/rooms', { name: 'agents-room', agent_ids: [member.id] })).body;
      sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
      expect(sse.status).toBe(200);
    });
    afterAll(() => sse?.close());

    it("tells the agent's rooms when it changes: a room event with the new name and looks", async () => {
      const response = await alice.request('PATCH', `/api/agents/${member.id}`, { name: 'Member Renamed', icon: 'rocket' });
      expect(response.status).toBe(200);

      const event = await sse.waitFor((e) => e.event === 'room' && e.data.agents?.[0]?.name === 'Member Renamed');
      expect(event.data).toMatchObject({ id: room.id, agents: [{ id: member.id, name: 'Member Renamed', icon: 'rocket', color: '#3B82F6', harness: 'claude-code', status: 'idle' }] });
    });

    it('tells them when it is deleted: a room event without it', async () => {
      const before = sse.of('room').length;
      expect((await alice.request('DELETE', `/api/agents/${member.id}`)).status).toBe(204);

      const event = await sse.waitFor((e) => e.event === 'room' && sse.of('room').indexOf(e) >= before);
      expect(event.data).toMatchObject({ id: room.id, agents: [] });
      expect((await alice.request('GET', `/api/rooms/${room.id}`)).body.agents).toEqual([]);
    });
  });
});
