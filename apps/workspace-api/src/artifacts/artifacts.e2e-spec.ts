import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError, watch } from '../testing/api-expectations';

/**
 * A room's artifacts over HTTP on real PostgreSQL and Redis: created (one per type and URL per room),
 * listed newest first, deleted; every bad input a clear 4xx; `artifact` events for both writes.
 */

const FIELD_CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['no type', { type: undefined }, 'type', /type is required/],
  ['an empty type', { type: '' }, 'type', /type must be a lower-case word such as plan, pr, document or sheet/],
  ['a type in capitals', { type: 'Plan' }, 'type', /type must be a lower-case word/],
  ['a type with a space', { type: 'pull request' }, 'type', /type must be a lower-case word/],
  ['a type of 33 characters', { type: 'a'.repeat(33) }, 'type', /type must be a lower-case word/],
  ['a numeric type', { type: 1 }, 'type', /type must be a string/],
  ['no title', { title: undefined }, 'title', /title is required/],
  ['an empty title', { title: '' }, 'title', /title must not be empty/],
  ['a blank title', { title: '  ' }, 'title', /title must not be empty/],
  ['a numeric title', { title: 9 }, 'title', /title must be a string/],
  ['a title of 301 characters', { title: 't'.repeat(301) }, 'title', /title must be shorter than or equal to 300 characters/],
  ['a numeric content', { content: 5 }, 'content', /content must be a string/],
  ['a content of 500001 characters', { content: 'c'.repeat(500_001) }, 'content', /content must be shorter than or equal to 500000 characters/],
  ['a url that is not one', { url: 'not a url' }, 'url', /url must be an http\(s\) URL/],
  ['an ftp url', { url: 'ftp://example.com/file' }, 'url', /url must be an http\(s\) URL/],
  ['a url without a protocol', { url: 'github.com/acme/app/pull/1' }, 'url', /url must be an http\(s\) URL/],
  ['a javascript: url', { url: 'javascript:alert(1)' }, 'url', /url must be an http\(s\) URL/],
  ['an array url', { url: ['https://example.com'] }, 'url', /url must be an http\(s\) URL/],
  ['a NUL in the title', { title: 'pl\u0000an' }, 'title', /title must not contain NUL characters/],
  ['a NUL in the content', { content: '# Plan\u0000' }, 'content', /content must not contain NUL/],
];

const BAD_IDS: [string, string][] = [
  ['an id that does not exist', randomUUID()],
  ['an id that is not a UUID', 'nope'],
];

describe('artifacts API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let room: { id: string };
  let sse: SseClient;

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    room = (await alice.request('POST', '/api/rooms', { name: 'artifacts' })).body;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
    expect(sse.status).toBe(200);
  });
  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  const create = async (roomId: string, body: Record<string, unknown>) => {
    const response = await alice.request('POST', `/api/rooms/${roomId}/artifacts`, body);
    expect(response.status).toBe(201);
    return response.body as { id: string; [key: string]: unknown };
  };

  describe('create and list', () => {
    it("creates a person's artifact (no agent, no run) and sends the created event", async () => {
      const next = watch(sse);
      const response = await alice.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'plan', title: '  Launch plan ', content: '# Steps\n1. Ship' });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        room_id: room.id,
        type: 'plan',
        title: 'Launch plan',
        content: '# Steps\n1. Ship',
        url: null,
        agent: null,
        run_id: null,
        created_at: expect.any(String),
      });
      expect((await next('artifact', (d) => d.artifact?.id === response.body.id)).data).toEqual({ action: 'created', artifact: response.body });
    });

    it('accepts a link with no content, and any lower-case word as type', async () => {
      const created = await create(room.id, { type: 'pr', title: 'PR #1', url: 'https://github.com/acme/app/pull/1' });
      expect(created).toMatchObject({ type: 'pr', content: '', url: 'https://github.com/acme/app/pull/1' });
      expect(await create(room.id, { type: 'design_doc-2', title: 'Doc', url: 'http://localhost:8080/doc' })).toMatchObject({ type: 'design_doc-2' });
    });

    it('refuses the same type and URL twice in a room with 409, but allows it in another room or as another type', async () => {
      const url = 'https://github.com/acme/app/pull/2';
      await create(room.id, { type: 'pr', title: 'PR #2', url });
      expectError(await alice.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'pr', title: 'again', url }), 409, 'conflict', /already has a pr artifact for https:\/\/github\.com\/acme\/app\/pull\/2/);

      const other = (await alice.request('POST', '/api/rooms', { name: 'other' })).body;
      await create(other.id, { type: 'pr', title: 'PR #2', url });
      await create(room.id, { type: 'link', title: 'PR #2 as a link', url });
      // Without a URL there is nothing to be a duplicate of.
      await create(room.id, { type: 'plan', title: 'Launch plan' });
    });

    it('lists the room\'s artifacts newest first', async () => {
      const target = (await alice.request('POST', '/api/rooms', { name: 'list' })).body;
      const first = await create(target.id, { type: 'plan', title: 'first' });
      const second = await create(target.id, { type: 'sheet', title: 'second' });
      const third = await create(target.id, { type: 'document', title: 'third' });

      const response = await alice.request('GET', `/api/rooms/${target.id}/artifacts`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ items: [third, second, first] });
    });

    it.each(FIELD_CASES)('refuses %s with a 400 naming the field', async (_what, fields, field, message) => {
      const response = await alice.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'plan', title: 'ok', ...fields });
      expectError(response, 400, 'invalid_request', message, field);
    });

    it.each([
      ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
      ['a JSON array', '[{"type":"plan","title":"t"}]', 'invalid_request', /body must be a JSON object/],
      ['JSON null', 'null', 'invalid_request', /body must be a JSON object/],
    ])('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('POST', `/api/rooms/${room.id}/artifacts`, { body: raw, session: alice.session }), 400, code, message);
    });

    it.each(BAD_IDS)('answers 404 for a room with %s', async (_what, id) => {
      expectError(await alice.request('POST', `/api/rooms/${id}/artifacts`, { type: 'plan', title: 't' }), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
      expectError(await alice.request('GET', `/api/rooms/${id}/artifacts`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });

    it("answers 404 to another user for the room's artifacts, and for deleting one", async () => {
      const artifact = await create(room.id, { type: 'plan', title: 'private' });
      expectError(await bob.request('GET', `/api/rooms/${room.id}/artifacts`), 404, 'resource_not_found', new RegExp(`Room ${room.id} not found`));
      expectError(await bob.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'plan', title: 'x' }), 404, 'resource_not_found', new RegExp(`Room ${room.id} not found`));
      expectError(await bob.request('DELETE', `/api/artifacts/${artifact.id}`), 404, 'resource_not_found', new RegExp(`Artifact ${artifact.id} not found`));
      const items = (await alice.request('GET', `/api/rooms/${room.id}/artifacts`)).body.items as { id: string }[];
      expect(items.map((a) => a.id)).toContain(artifact.id);
    });

    it('needs a session (401)', async () => {
      expectError(await ws.request('GET', `/api/rooms/${room.id}/artifacts`), 401, 'authentication_required', /Log in first/);
      expectError(await ws.request('DELETE', `/api/artifacts/${randomUUID()}`), 401, 'authentication_required', /Log in first/);
    });
  });

  describe('delete', () => {
    it('deletes an artifact: 204, the deleted event, gone from the list, then 404', async () => {
      const artifact = await create(room.id, { type: 'pr', title: 'PR #3', url: 'https://github.com/acme/app/pull/3' });
      const next = watch(sse);
      const response = await alice.request('DELETE', `/api/artifacts/${artifact.id}`);
      expect(response.status).toBe(204);
      expect((await next('artifact', (d) => d.action === 'deleted')).data).toEqual({ action: 'deleted', artifact_id: artifact.id });

      const items = (await alice.request('GET', `/api/rooms/${room.id}/artifacts`)).body.items as { id: string }[];
      expect(items.map((a) => a.id)).not.toContain(artifact.id);
      expectError(await alice.request('DELETE', `/api/artifacts/${artifact.id}`), 404, 'resource_not_found', new RegExp(`Artifact ${artifact.id} not found`));
      // Its type and URL are free again.
      await create(room.id, { type: 'pr', title: 'PR #3 again', url: 'https://github.com/acme/app/pull/3' });
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('DELETE', `/api/artifacts/${id}`), 404, 'resource_not_found', new RegExp(`Artifact ${id} not found`));
    });
  });
});
