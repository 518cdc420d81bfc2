import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError, watch } from '../testing/api-expectations';

/**
 * A room's messages over HTTP on real PostgreSQL and Redis: posting (a `message` event each), paging
 * back through history with `before`/`limit`/`next_cursor`, what a mention answers (the runs it
 * started) and what a paused room answers (`paused: true`, no runs); every bad input a clear 4xx.
 */

interface Message {
  id: string;
  content: string;
  [key: string]: unknown;
}

const BAD_IDS: [string, string][] = [
  ['an id that does not exist', randomUUID()],
  ['an id that is not a UUID', 'nope'],
];

describe('messages API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let rex: { id: string; name: string };
  let room: { id: string };
  let sse: SseClient;

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    rex = (await alice.request('POST', '/api/agents', { name: 'Rex', color: '#123456', icon: 'brain' })).body;
    expect((await alice.request('POST', '/api/agents', { name: 'Outsider' })).status).toBe(201);
    room = (await alice.request('POST', '/api/rooms', { name: 'chat', agent_ids: [rex.id] })).body;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
    expect(sse.status).toBe(200);
  });
  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  const post = (roomId: string, content: unknown) => alice.request('POST', `/api/rooms/${roomId}/messages`, { content });
  /** The state a run ends in (polled). */
  const finalState = async (runId: string): Promise<string> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const { state } = (await alice.request('GET', `/api/runs/${runId}`)).body;
      if (state !== 'QUEUED' && state !== 'INPROGRESS') return state;
    }
    throw new Error(`run ${runId} did not end within 10 s`);
  };

  describe('post', () => {
    it("posts a person's message as written, starts no run without a mention, and sends the message event", async () => {
      const next = watch(sse);
      const response = await post(room.id, '  Hello **team**,\nno mention here (mail@rex.dev).  ');

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        message: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          room_id: room.id,
          author_type: 'human',
          agent: null,
          content: '  Hello **team**,\nno mention here (mail@rex.dev).  ',
          status: 'complete',
          run_id: null,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
        runs: [],
        paused: false,
      });
      expect((await next('message', (d) => d.id === response.body.message.id)).data).toEqual(response.body.message);
    });

    it('accepts a message of 100000 characters', async () => {
      const response = await post(room.id, 'x'.repeat(100_000));
      expect(response.status).toBe(201);
      expect(response.body.message.content).toHaveLength(100_000);
    });

    it.each([
      ['no content', undefined, /content is required/],
      ['an empty content', '', /content must not be empty/],
      ['a numeric content', 42, /content must be a string/],
      ['an array content', ['hi'], /content must be a string/],
      ['an object content', { text: 'hi' }, /content must be a string/],
      ['a content of 100001 characters', 'x'.repeat(100_001), /content must be shorter than or equal to 100000 characters/],
      ['a NUL in the content', 'hi\u0000there', /content must not contain NUL characters/],
    ])('refuses %s with a 400 naming content', async (_what, content, message) => {
      expectError(await post(room.id, content), 400, 'invalid_request', message, 'content');
    });

    it.each([
      ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
      ['a JSON array', '[{"content":"hi"}]', 'invalid_request', /body must be a JSON object/],
      ['a JSON string', '"hi"', 'invalid_request', /body must be a JSON object/],
    ])('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('POST', `/api/rooms/${room.id}/messages`, { body: raw, session: alice.session }), 400, code, message);
    });

    it('refuses text/plain with 415', async () => {
      const response = await ws.request('POST', `/api/rooms/${room.id}/messages`, { body: 'hi', session: alice.session, headers: { 'content-type': 'text/plain' } });
      expectError(response, 415, 'unsupported_media_type', /send application\/json/);
    });

    it.each(BAD_IDS)('answers 404 for a room with %s', async (_what, id) => {
      expectError(await post(id, 'hi'), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
      expectError(await alice.request('GET', `/api/rooms/${id}/messages`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });

    it("answers 404 to another user, who can neither read nor write the room's messages", async () => {
      expectError(await bob.request('POST', `/api/rooms/${room.id}/messages`, { content: 'intruder' }), 404, 'resource_not_found', new RegExp(`Room ${room.id} not found`));
      expectError(await bob.request('GET', `/api/rooms/${room.id}/messages`), 404, 'resource_not_found', new RegExp(`Room ${room.id} not found`));
      const history = (await alice.request('GET', `/api/rooms/${room.id}/messages?limit=200`)).body.items as Message[];
      expect(history.map((m) => m.content)).not.toContain('intruder');
    });

    it('needs a session (401)', async () => {
      expectError(await ws.request('POST', `/api/rooms/${room.id}/messages`, { body: { content: 'hi' } }), 401, 'authentication_required', /Log in first/);
      expectError(await ws.request('GET', `/api/rooms/${room.id}/messages`), 401, 'authentication_required', /Log in first/);
    });
  });

  describe('paging', () => {
    let history: { id: string };
    const contents = Array.from({ length: 120 }, (_, i) => `m${i}`);

    beforeAll(async () => {
      history = (await alice.request('POST', '/api/rooms', { name: 'history' })).body;
      for (const content of contents) expect((await post(history.id, content)).status).toBe(201);
    });

    const page = async (query: string) => {
      const response = await alice.request('GET', `/api/rooms/${history.id}/messages${query}`);
      expect(response.status).toBe(200);
      return response.body as { items: Message[]; next_cursor: string | null };
    };

    it('answers the newest 50 by default, oldest first, then older pages through next_cursor until null', async () => {
      const first = await page('');
      expect(first.items.map((m) => m.content)).toEqual(contents.slice(70));
      expect(first.next_cursor).toMatch(/^\d+$/);

      const second = await page(`?before=${first.next_cursor}`);
      expect(second.items.map((m) => m.content)).toEqual(contents.slice(20, 70));
      expect(second.next_cursor).toMatch(/^\d+$/);

      const third = await page(`?before=${second.next_cursor}`);
      expect(third.items.map((m) => m.content)).toEqual(contents.slice(0, 20));
      expect(third.next_cursor).toBeNull();
    });

    it('walks the whole history with a small limit: every message once, in order', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const current: { items: Message[]; next_cursor: string | null } = await page(`?limit=7${cursor ? `&before=${cursor}` : ''}`);
        expect(current.items.length).toBeLessThanOrEqual(7);
        seen.unshift(...current.items.map((m) => m.content));
        cursor = current.next_cursor;
        pages++;
      } while (cursor && pages < 30);
      expect(pages).toBe(18);
      expect(seen).toEqual(contents);
    });

    it('answers next_cursor null when the page ends exactly at the first message', async () => {
      const first = await page('?limit=40');
      const second = await page(`?limit=40&before=${first.next_cursor}`);
      const third = await page(`?limit=40&before=${second.next_cursor}`);
      expect(third.items.map((m) => m.content)).toEqual(contents.slice(0, 40));
      expect(third.next_cursor).toBeNull();
    });

    it.each([
      ['limit=1', ['m119'], true],
      ['limit=200', contents, false],
      ['limit=120', contents, false],
    ] as const)('answers %s', async (query, expected, more) => {
      const result = await page(`?${query}`);
      expect(result.items.map((m) => m.content)).toEqual(expected);
      expect(result.next_cursor !== null).toBe(more);
    });

    it('answers an empty page for an empty room, and for a cursor before the first message', async () => {
      const empty = (await alice.request('POST', '/api/rooms', { name: 'empty' })).body;
      expect((await alice.request('GET', `/api/rooms/${empty.id}/messages`)).body).toEqual({ items: [], next_cursor: null });
      expect(await page('?before=1')).toEqual({ items: [], next_cursor: null });
    });

    it('ignores query parameters it does not know', async () => {
      expect((await page('?limit=2&colour=blue')).items.map((m) => m.content)).toEqual(['m118', 'm119']);
    });

    it.each([
      ['limit=0', 'limit', /limit must not be less than 1/],
      ['limit=-5', 'limit', /limit must not be less than 1/],
      ['limit=abc', 'limit', /limit must be a whole number/],
      ['limit=1.5', 'limit', /limit must be a whole number/],
      ['limit=201', 'limit', /limit must not be greater than 200/],
      ['before=xyz', 'before', /before must be a cursor returned as next_cursor/],
      ['before=-1', 'before', /before must be a cursor/],
      ['before=1.5', 'before', /before must be a cursor/],
      [`before=${'9'.repeat(19)}`, 'before', /before must be a cursor/],
      ['before=12%00', 'before', /before must not contain NUL characters/],
    ])('refuses ?%s with a 400 naming the parameter', async (query, field, message) => {
      expectError(await alice.request('GET', `/api/rooms/${history.id}/messages?${query}`), 400, 'invalid_request', message, field);
    });
  });

  describe('mentions', () => {
    it('answers the runs a mention started, and sends the reply placeholder that the run then finishes', async () => {
      const next = watch(sse);
      const response = await post(room.id, 'Please look at this, @rex!');

      expect(response.status).toBe(201);
      expect(response.body.paused).toBe(false);
      expect(response.body.runs).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          room_id: room.id,
          agent_id: rex.id,
          parent_run_id: null,
          depth: 0,
          reply_message_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          state: 'QUEUED',
          mode: 'local',
          remote_run_id: null,
          provider: null,
          error: null,
          created_at: expect.any(String),
          started_at: null,
          completed_at: null,
        },
      ]);
      const [run] = response.body.runs;

      expect((await next('message', (d) => d.id === response.body.message.id)).data.author_type).toBe('human');
      const placeholder = await next('message', (d) => d.id === run.reply_message_id);
      expect(placeholder.data).toMatchObject({
        room_id: room.id,
        author_type: 'agent',
        agent: { id: rex.id, name: 'Rex', color: '#123456', icon: 'brain' },
        content: '',
        status: 'streaming',
        run_id: run.id,
      });
      // No provider is configured in this test, so the run fails at once: the reply ends as one clear error.
      const final = await next('message', (d) => d.id === run.reply_message_id && d.status !== 'streaming');
      expect(final.data).toMatchObject({ status: 'error', content: expect.stringMatching(/Rex could not reply: No provider is configured/) });
      expect(await finalState(run.id)).toBe('FAILED');
      const runs = (await alice.request('GET', `/api/rooms/${room.id}/runs`)).body.items as { id: string }[];
      expect(runs.map((r) => r.id)).toContain(run.id);
    });

    it('starts no run for an agent that is not in the room, nor for an address that only looks like a mention', async () => {
      const response = await post(room.id, '@Outsider and mail@Rex, @Rexx');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ runs: [], paused: false });
    });

    it('answers paused: true and starts no run in a paused room, but keeps the message', async () => {
      const quiet = (await alice.request('POST', '/api/rooms', { name: 'quiet', agent_ids: [rex.id] })).body;
      expect((await alice.request('POST', `/api/rooms/${quiet.id}/pause`)).status).toBe(200);

      const response = await post(quiet.id, '@Rex are you there?');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ paused: true, runs: [], message: { content: '@Rex are you there?', author_type: 'human' } });

      expect((await alice.request('GET', `/api/rooms/${quiet.id}/runs`)).body.items).toEqual([]);
      expect((await alice.request('GET', `/api/rooms/${quiet.id}/messages`)).body.items.map((m: Message) => m.content)).toEqual(['@Rex are you there?']);

      await alice.request('POST', `/api/rooms/${quiet.id}/resume`);
      const resumed = await post(quiet.id, '@Rex now?');
      expect(resumed.body).toMatchObject({ paused: false, runs: [{ agent_id: rex.id }] });
      // No provider is configured here: the run fails at once (and ends now, not during shutdown).
      expect(await finalState(resumed.body.runs[0].id)).toBe('FAILED');
    });
  });
});
