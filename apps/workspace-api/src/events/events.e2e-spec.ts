import { createTestDatabase, type TestDatabase } from '@oz/testing';
import Redis from 'ioredis';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/** Live events across replicas: two workspace APIs sharing one PostgreSQL database and one Redis. */
describe('room events with Redis, across two replicas', () => {
  let database: TestDatabase;
  let a: WorkspaceHarness;
  let b: WorkspaceHarness;
  let user: UserClient;
  let roomId: string;

  beforeAll(async () => {
    database = await createTestDatabase('oz_ws_events');
    a = await startWorkspace({ REDIS_URL: TEST_REDIS_URL, OZ_SSE_HEARTBEAT_MS: '300' }, database);
    b = await startWorkspace({ REDIS_URL: TEST_REDIS_URL, OZ_SSE_HEARTBEAT_MS: '300' }, database);
    user = await a.signup('Eve');
    roomId = (await user.request('POST', '/api/rooms', { name: 'live' })).body.id;
  });

  afterAll(() => closeAll([a, b], database));

  const onB = (lastEventId?: string) => SseClient.open(`${b.origin}/api/events?roomId=${roomId}`, { session: user.session, lastEventId });
  const onA = (lastEventId?: string) => SseClient.open(`${a.origin}/api/events?roomId=${roomId}`, { session: user.session, lastEventId });
  const addTask = async (title: string) => {
    const response = await a.request('POST', `/api/rooms/${roomId}/tasks`, { body: { title }, session: user.session });
    expect(response.status).toBe(201);
    return response.body;
  };
  const titles = (client: SseClient) => client.of('task').map((e) => e.data.task.title);

  it('delivers an event written through one replica to an SSE client of the other', async () => {
    const client = await onB();
    expect(client.status).toBe(200);
    expect(client.headers?.get('content-type')).toContain('text/event-stream');
    const task = await addTask('from replica A');
    const event = await client.waitFor((e) => e.event === 'task');
    expect(event.data).toEqual({ action: 'created', task });
    expect(event.id).toMatch(/^\d+-\d+$/);
    client.close();
  });

  it('gives every frame an id, heartbeats carrying the latest position', async () => {
    const client = await onB();
    await addTask('positioned');
    const task = await client.waitFor((e) => e.event === 'task' && e.data.task.title === 'positioned');
    const later = await client.waitFor((e) => e.event === 'heartbeat' && client.events.indexOf(e) > client.events.indexOf(task));
    expect(client.events.every((e) => e.id !== null)).toBe(true);
    expect(later.id).toBe(task.id);
    client.close();
  });

  it('replays exactly the missed events to a client reconnecting with Last-Event-ID, on either replica', async () => {
    const first = await onB();
    await addTask('seen 1');
    await addTask('seen 2');
    const seen = await first.waitFor((e) => e.event === 'task' && e.data.task.title === 'seen 2');
    first.close();
    await first.ended;

    for (let i = 1; i <= 5; i++) await addTask(`missed ${i}`);
    const resumed = await onA(seen.id!);
    await resumed.waitFor((e) => e.event === 'task' && e.data.task.title === 'missed 5');
    await addTask('live after');
    await resumed.waitFor((e) => e.event === 'task' && e.data.task.title === 'live after');
    expect(titles(resumed)).toEqual(['missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5', 'live after']);
    const ids = resumed.of('task').map((e) => e.id!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(resumed.of('resync')).toHaveLength(0);

    // The same resume on the other replica gives the same events with the same ids.
    const again = await onB(seen.id!);
    await again.waitFor((e) => e.event === 'task' && e.data.task.title === 'live after');
    expect(again.of('task').map((e) => e.id)).toEqual(ids);
    resumed.close();
    again.close();
  });

  it('without Last-Event-ID a client gets only new events; a malformed one counts as none', async () => {
    await addTask('before connecting');
    const fresh = await onB('not-an-id');
    await addTask('after connecting');
    await fresh.waitFor((e) => e.event === 'task' && e.data.task.title === 'after connecting');
    expect(titles(fresh)).toEqual(['after connecting']);
    fresh.close();
  });

  it('with OZ_REDIS_EVENTS_DURABLE the write answers only once its event is in Redis', async () => {
    const durable = await startWorkspace({ REDIS_URL: TEST_REDIS_URL, OZ_REDIS_EVENTS_DURABLE: 'true' }, database);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      for (let i = 0; i < 10; i++) {
        const task = (await durable.request('POST', `/api/rooms/${roomId}/tasks`, { body: { title: `durable ${i}` }, session: user.session })).body;
        const [last] = (await redis.xrevrange(`oz:workspace:room:${roomId}:events`, '+', '-', 'COUNT', 1)) as [string, string[]][];
        expect(JSON.parse(last[1][3]).task.id).toBe(task.id);
      }
    } finally {
      redis.disconnect();
      await durable.close();
    }
  });

  it('tells a client whose missed events were trimmed to resync', async () => {
    const small = await startWorkspace({ REDIS_URL: TEST_REDIS_URL, OZ_EVENTS_MAX_PER_ROOM: '100' }, database);
    try {
      const room = (await small.request('POST', '/api/rooms', { body: { name: 'busy' }, session: user.session })).body;
      const watcher = await SseClient.open(`${small.origin}/api/events?roomId=${room.id}`, { session: user.session });
      await small.request('POST', `/api/rooms/${room.id}/tasks`, { body: { title: 'first' }, session: user.session });
      const first = await watcher.waitFor((e) => e.event === 'task');
      watcher.close();
      // Enough events for Redis to drop whole stream nodes (MAXLEN ~ trims by node of 100 entries).
      for (let i = 0; i < 350; i++) await small.request('POST', `/api/rooms/${room.id}/artifacts`, { body: { type: 'document', title: `doc ${i}` }, session: user.session });
      const late = await SseClient.open(`${small.origin}/api/events?roomId=${room.id}`, { session: user.session, lastEventId: first.id! });
      const resync = await late.waitFor((e) => e.event === 'resync');
      expect(late.events.indexOf(resync)).toBeLessThanOrEqual(1); // right after the opening heartbeat
      await late.waitFor((e) => e.event === 'artifact' && e.data.artifact.title === 'doc 349');
      late.close();
    } finally {
      await small.close();
    }
  });

  it('ends a room\'s streams on every replica when the room is deleted', async () => {
    const room = (await user.request('POST', '/api/rooms', { name: 'doomed' })).body;
    const watcherA = await SseClient.open(`${a.origin}/api/events?roomId=${room.id}`, { session: user.session });
    const watcherB = await SseClient.open(`${b.origin}/api/events?roomId=${room.id}`, { session: user.session });
    expect((await user.request('DELETE', `/api/rooms/${room.id}`)).status).toBe(204);
    await Promise.all([watcherA.ended, watcherB.ended]);
    for (const watcher of [watcherA, watcherB]) expect(watcher.received.at(-1)).toMatchObject({ event: 'room', data: { id: room.id, deleted: true } });
    expect((await SseClient.open(`${b.origin}/api/events?roomId=${room.id}`, { session: user.session })).status).toBe(404);
  });

  it('ends public viewers\' streams on every replica when the share link is revoked', async () => {
    const room = (await user.request('POST', '/api/rooms', { name: 'shared' })).body;
    const shareId = (await user.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
    const viewers = await Promise.all([a, b].map((app) => SseClient.open(`${app.origin}/api/public/rooms/${shareId}/events`)));
    await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'public task' });
    for (const viewer of viewers) await viewer.waitFor((e) => e.event === 'task' && e.data.task.title === 'public task');
    // A public viewer's room events hide the share id and the pause switch.
    await user.request('PATCH', `/api/rooms/${room.id}`, { description: 'now described' });
    const update = await viewers[1].waitFor((e) => e.event === 'room');
    expect(update.data.description).toBe('now described');
    expect(update.data).not.toHaveProperty('share_id');
    expect(update.data).not.toHaveProperty('paused');

    await user.request('DELETE', `/api/rooms/${room.id}/share`);
    await Promise.all(viewers.map((viewer) => viewer.ended));
    await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'private again' });
    for (const viewer of viewers) expect(titles(viewer)).toEqual(['public task']);
    expect((await SseClient.open(`${a.origin}/api/public/rooms/${shareId}/events`)).status).toBe(404);
  });

  it('sends notifications to the owner\'s stream but never to public viewers', async () => {
    const agent = (await user.request('POST', '/api/agents', { name: 'Notifier' })).body;
    const room = (await user.request('POST', '/api/rooms', { name: 'inbox', agent_ids: [agent.id] })).body;
    const shareId = (await user.request('POST', `/api/rooms/${room.id}/share`)).body.share_id;
    const owner = await SseClient.open(`${b.origin}/api/events?roomId=${room.id}`, { session: user.session });
    const viewer = await SseClient.open(`${b.origin}/api/public/rooms/${shareId}/events`);
    await a.request('POST', '/api/agent/notifications', {
      body: { room_id: room.id, agent_id: agent.id, message: 'secret ping' },
      headers: { 'x-agent-key': a.config.agentApiKey! },
    });
    await a.request('POST', `/api/rooms/${room.id}/tasks`, { body: { title: 'marker' }, session: user.session });
    await owner.waitFor((e) => e.event === 'notification' && e.data.message === 'secret ping');
    await viewer.waitFor((e) => e.event === 'task');
    expect(viewer.of('notification')).toHaveLength(0);
    expect(JSON.stringify(viewer.events)).not.toContain('secret ping');
    owner.close();
    viewer.close();
  });

  it('reports Redis in /health', async () => {
    expect((await b.request('GET', '/health')).body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
  });
});

describe('room events without Redis (one replica)', () => {
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    ws = await startWorkspace({ OZ_EVENTS_MAX_PER_ROOM: '100' });
    user = await ws.signup('Solo');
  });

  afterAll(() => closeAll([ws], ws?.database));

  it('delivers live events and replays missed ones from memory, with resync after trimming', async () => {
    const room = (await user.request('POST', '/api/rooms', { name: 'mem' })).body;
    const url = `${ws.origin}/api/events?roomId=${room.id}`;
    const live = await SseClient.open(url, { session: user.session });
    await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'one' });
    const one = await live.waitFor((e) => e.event === 'task');
    live.close();
    await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'two' });
    await user.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'three' });
    const resumed = await SseClient.open(url, { session: user.session, lastEventId: one.id! });
    await resumed.waitFor((e) => e.event === 'task' && e.data.task.title === 'three');
    expect(resumed.of('task').map((e) => e.data.task.title)).toEqual(['two', 'three']);
    resumed.close();

    for (let i = 0; i < 120; i++) await user.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'document', title: `d${i}` });
    const late = await SseClient.open(url, { session: user.session, lastEventId: one.id! });
    await late.waitFor((e) => e.event === 'resync');
    late.close();
    expect((await ws.request('GET', '/health')).body).toEqual({ status: 'ok', database: 'up', redis: 'not configured' });
  });
});
