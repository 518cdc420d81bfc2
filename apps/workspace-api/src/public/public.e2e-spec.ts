import { randomBytes, randomUUID } from 'node:crypto';
import { SseClient, type SseEvent } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError } from '../testing/api-expectations';

/**
 * The read-only share link over HTTP on real PostgreSQL and Redis: anyone with it reads the room, its
 * history, board and artifacts and follows its events, without a session; the public room hides its
 * share id and pause switch, the public stream carries no notifications; a revoked (or replaced) link
 * answers 404 everywhere and ends open streams.
 */

const READ_ROUTES = ['', '/messages', '/tasks', '/artifacts', '/events'];

describe('public share links', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let rex: { id: string };
  let room: { id: string };
  let shareId: string;
  let task: { id: string };
  let artifact: { id: string };
  /** A viewer with nothing but the link. */
  let viewer: SseClient;

  const get = (path: string) => ws.request('GET', `/api/public/rooms/${shareId}${path}`);

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    alice = await ws.signup('alice');
    rex = (await alice.request('POST', '/api/agents', { name: 'Rex', harness: 'codex', icon: 'git' })).body;
    room = (await alice.request('POST', '/api/rooms', { name: 'open-source', description: 'Public work', agent_ids: [rex.id] })).body;
    for (let i = 0; i < 5; i++) await alice.request('POST', `/api/rooms/${room.id}/messages`, { content: `m${i}` });
    task = (await alice.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'Public task', assignee_id: rex.id })).body;
    artifact = (await alice.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'pr', title: 'PR', url: 'https://github.com/acme/app/pull/9' })).body;
    shareId = (await alice.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
    viewer = await SseClient.open(`${ws.origin}/api/public/rooms/${shareId}/events`);
    expect(viewer.status).toBe(200);
  });
  afterAll(async () => {
    viewer?.close();
    await closeAll([ws], ws?.database);
  });

  describe('reading a shared room without a session', () => {
    it('shows the room and its agents, but not its share id or whether it is paused', async () => {
      await alice.request('POST', `/api/rooms/${room.id}/pause`);
      const response = await get('');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: room.id,
        name: 'open-source',
        description: 'Public work',
        agents: [{ id: rex.id, name: 'Rex', color: '#3B82F6', icon: 'git', harness: 'codex', status: 'idle' }],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(response.body).not.toHaveProperty('share_id');
      expect(response.body).not.toHaveProperty('paused');
      await alice.request('POST', `/api/rooms/${room.id}/resume`);
    });

    it('pages the history like the private route', async () => {
      const first = await get('/messages?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items.map((m: { content: string }) => m.content)).toEqual(['m3', 'm4']);
      const second = await get(`/messages?limit=3&before=${first.body.next_cursor}`);
      expect(second.body).toEqual({ items: expect.any(Array), next_cursor: null });
      expect(second.body.items.map((m: { content: string }) => m.content)).toEqual(['m0', 'm1', 'm2']);
      const all = await get('/messages');
      expect(all.body).toEqual((await alice.request('GET', `/api/rooms/${room.id}/messages`)).body);
    });

    it('shows the board and the artifacts as the owner sees them', async () => {
      const tasks = await get('/tasks');
      expect(tasks.status).toBe(200);
      expect(tasks.body).toEqual({ items: [task] });
      expect(tasks.body).toEqual((await alice.request('GET', `/api/rooms/${room.id}/tasks`)).body);

      const artifacts = await get('/artifacts');
      expect(artifacts.status).toBe(200);
      expect(artifacts.body).toEqual({ items: [artifact] });
    });

    it.each([
      ['limit=0', 'limit', /limit must not be less than 1/],
      ['limit=abc', 'limit', /limit must be a whole number/],
      ['limit=500', 'limit', /limit must not be greater than 200/],
      ['before=xyz', 'before', /before must be a cursor returned as next_cursor/],
    ])('refuses /messages?%s with a 400 naming the parameter', async (query, field, message) => {
      expectError(await get(`/messages?${query}`), 400, 'invalid_request', message, field);
    });

    it.each([
      ['a share id that is too short to be one', 'nope'],
      ['a share id that was never issued', randomBytes(24).toString('base64url')],
      ['a share id of 65 characters', 'a'.repeat(65)],
      ["the room's own id", randomUUID()],
    ])('answers 404 on every read route for %s', async (_what, id) => {
      for (const path of READ_ROUTES) {
        expectError(await ws.request('GET', `/api/public/rooms/${id}${path}`), 404, 'resource_not_found', new RegExp(`Shared room ${id.slice(0, 20)}.* not found`));
      }
    });

    it.each([
      ['POST', '/messages', { content: 'hi' }],
      ['POST', '/tasks', { title: 't' }],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
    ])('has no write route: %s %s answers 404', async (method, path, body) => {
      expectError(await ws.request(method, `/api/public/rooms/${shareId}${path}`, { body }), 404, 'resource_not_found', new RegExp(`^Cannot ${method} /api/public/rooms/`));
    });
  });

  describe('live events of a shared room', () => {
    const after = () => {
      const from = viewer.events.length;
      return (type: string, match: (data: SseEvent['data']) => boolean = () => true) =>
        viewer.waitFor((e) => e.event === type && viewer.events.indexOf(e) >= from && match(e.data));
    };

    it('sends messages, tasks and artifacts as they happen', async () => {
      const next = after();
      const message = (await alice.request('POST', `/api/rooms/${room.id}/messages`, { content: 'live' })).body.message;
      expect((await next('message', (d) => d.id === message.id)).data).toEqual(message);

      const created = (await alice.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'live task' })).body;
      expect((await next('task', (d) => d.task?.id === created.id)).data).toEqual({ action: 'created', task: created });
      await alice.request('DELETE', `/api/tasks/${created.id}`);
      expect((await next('task', (d) => d.action === 'deleted')).data).toEqual({ action: 'deleted', task_id: created.id });

      const added = (await alice.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'plan', title: 'live plan' })).body;
      expect((await next('artifact', (d) => d.artifact?.id === added.id)).data).toEqual({ action: 'created', artifact: added });
    });

    it('sends the room as the public sees it: no share id, no pause switch', async () => {
      const next = after();
      await alice.request('PATCH', `/api/rooms/${room.id}`, { description: 'Renamed in public' });
      const event = await next('room', (d) => d.description === 'Renamed in public');
      expect(event.data).toEqual({
        id: room.id,
        name: 'open-source',
        description: 'Renamed in public',
        agents: [expect.objectContaining({ id: rex.id })],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
    });

    it("carries no notifications (they are the owner's), while the owner's stream does", async () => {
      const owner = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
      try {
        const next = after();
        const notified = await ws.request('POST', '/api/agent/notifications', {
          body: { room_id: room.id, agent_id: rex.id, message: 'private to the owner' },
          headers: { 'x-agent-key': TEST_AGENT_KEY },
        });
        expect(notified.status).toBe(201);
        await owner.waitFor((e) => e.event === 'notification' && e.data.id === notified.body.id);
        // An event after it, so the public stream has certainly passed the notification.
        const marker = (await alice.request('POST', `/api/rooms/${room.id}/messages`, { content: 'marker' })).body.message;
        await next('message', (d) => d.id === marker.id);
        expect(viewer.of('notification')).toEqual([]);
        expect(JSON.stringify(viewer.events)).not.toContain('private to the owner');
      } finally {
        owner.close();
      }
    });

    it('refuses an event stream on a link that names nothing with a JSON 404', async () => {
      const response = await ws.request('GET', `/api/public/rooms/${'x'.repeat(32)}/events`, { headers: { accept: 'text/event-stream' } });
      expectError(response, 404, 'resource_not_found', /Shared room x+ not found/);
    });
  });

  describe('revoking the link', () => {
    it('ends open streams and answers 404 on every read route; a new link works, the old one stays dead', async () => {
      const revoked = await alice.request('DELETE', `/api/rooms/${room.id}/share`);
      expect(revoked.status).toBe(200);
      await viewer.ended;
      expect(viewer.of('room').filter((e) => e.data.share_id === null || 'paused' in e.data)).toEqual([]);

      for (const path of READ_ROUTES) {
        expectError(await get(path), 404, 'resource_not_found', new RegExp(`Shared room ${shareId} not found`));
      }

      const newShareId = (await alice.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
      expect(newShareId).not.toBe(shareId);
      expect((await ws.request('GET', `/api/public/rooms/${newShareId}`)).status).toBe(200);
      expectError(await get(''), 404, 'resource_not_found', /not found/);
    });

    it('ends a stream opened on a link that is then replaced by a new one', async () => {
      const current = (await alice.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
      const stream = await SseClient.open(`${ws.origin}/api/public/rooms/${current}/events`);
      try {
        expect(stream.status).toBe(200);
        await alice.request('DELETE', `/api/rooms/${room.id}/share`);
        await alice.request('POST', `/api/rooms/${room.id}/share`);
        await stream.ended;
      } finally {
        stream.close();
      }
    });

    it('answers 404 once the room is deleted', async () => {
      const current = (await alice.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
      expect((await ws.request('GET', `/api/public/rooms/${current}`)).status).toBe(200);
      expect((await alice.request('DELETE', `/api/rooms/${room.id}`)).status).toBe(204);
      expectError(await ws.request('GET', `/api/public/rooms/${current}`), 404, 'resource_not_found', /Shared room .* not found/);
    });
  });
});
