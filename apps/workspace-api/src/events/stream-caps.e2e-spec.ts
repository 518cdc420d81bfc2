import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Event streams are capped per user, per share link and per client address on each replica (429 with
 * a message), and a client too far behind is told to reload (`resync`) instead of being replayed an
 * unbounded backlog.
 */
describe('event stream caps', () => {
  let ws: WorkspaceHarness;
  const open: SseClient[] = [];

  beforeAll(async () => {
    ws = await startWorkspace({ OZ_TRUST_PROXY: '1', OZ_SSE_MAX_PER_USER: '2', OZ_SSE_MAX_PER_SHARE: '2', OZ_SSE_MAX_PER_ADDRESS: '3' });
  });

  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });

  afterAll(() => closeAll([ws], ws?.database));

  let addresses = 0;
  const freshAddress = () => `192.0.2.${++addresses}`;

  async function stream(path: string, address: string, session?: string): Promise<SseClient> {
    const client = await SseClient.open(`${ws.origin}${path}`, { session, headers: { 'x-forwarded-for': address } });
    open.push(client);
    return client;
  }
  // Each test has its own users, rooms and links: places given back by the previous test's streams
  // are released only once the server sees those connections close.
  const roomOf = async (user: UserClient) => (await user.request('POST', '/api/rooms', { name: 'busy' })).body.id as string;
  const shareOf = async (user: UserClient, roomId: string) => (await user.request('POST', `/api/rooms/${roomId}/share`)).body.share_id as string;
  const roomStream = (user: UserClient, roomId: string, address = freshAddress()) => stream(`/api/events?roomId=${roomId}`, address, user.session);
  const viewer = (shareId: string, address = freshAddress()) => stream(`/api/public/rooms/${shareId}/events`, address);

  function expectRefused(client: SseClient, message: string): void {
    expect(client.status).toBe(429);
    expect(client.headers?.get('retry-after')).toBe('30');
    expect(JSON.parse(client.events[0].data)).toMatchObject({ code: 'too_many_streams', message });
  }

  /** A place is given back when the server sees the connection close, which follows the client's close. */
  async function eventually(opening: () => Promise<SseClient>): Promise<SseClient> {
    for (let i = 0; i < 100; i++) {
      const client = await opening();
      if (client.status === 200) return client;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the place was never given back');
  }

  it('caps the streams one user holds, on any rooms, from any address', async () => {
    const [ada, bob] = await Promise.all([ws.signup('Ada'), ws.signup('Bob')]);
    const [one, two] = [await roomOf(ada), await roomOf(ada)];
    expect((await roomStream(ada, one)).status).toBe(200);
    expect((await roomStream(ada, two)).status).toBe(200);
    expectRefused(await roomStream(ada, one), 'You have 2 live event streams open on this server, the most one user may hold (OZ_SSE_MAX_PER_USER); close some tabs');
    // Someone else is not affected, and closing a stream gives its place back.
    expect((await roomStream(bob, await roomOf(bob))).status).toBe(200);
    open[0].close();
    expect((await eventually(() => roomStream(ada, one))).status).toBe(200);
  });

  it('caps the viewers of one share link', async () => {
    const cat = await ws.signup('Cat');
    const roomId = await roomOf(cat);
    const shareId = await shareOf(cat, roomId);
    expect((await viewer(shareId)).status).toBe(200);
    expect((await viewer(shareId)).status).toBe(200);
    expectRefused(await viewer(shareId), 'This shared room has 2 live viewers on this server, the most a share link may have (OZ_SSE_MAX_PER_SHARE); try again later');
    // The owner's own stream is not a viewer of the link, and another link has its own viewers.
    expect((await roomStream(cat, roomId)).status).toBe(200);
    expect((await viewer(await shareOf(cat, await roomOf(cat)))).status).toBe(200);
  });

  it('caps the streams of one client address, signed in or not, and tells addresses apart behind the proxy', async () => {
    const [dan, eve] = await Promise.all([ws.signup('Dan'), ws.signup('Eve')]);
    const roomId = await roomOf(dan);
    const shareId = await shareOf(dan, roomId);
    const address = freshAddress();
    expect((await roomStream(dan, roomId, address)).status).toBe(200);
    expect((await roomStream(eve, await roomOf(eve), address)).status).toBe(200);
    // A forged entry before the proxy's changes nothing: the proxy's entry is the address.
    expect((await viewer(shareId, `10.9.8.7, ${address}`)).status).toBe(200);
    expectRefused(
      await viewer(shareId, `10.9.8.6, ${address}`),
      'Your address has 3 live event streams open on this server, the most one address may hold (OZ_SSE_MAX_PER_ADDRESS); close some',
    );
    expect((await viewer(shareId, freshAddress())).status).toBe(200);
  });

  it('does not count refused streams (not found, unauthenticated) against anyone', async () => {
    const [fay, gus] = await Promise.all([ws.signup('Fay'), ws.signup('Gus')]);
    const faysRoom = await roomOf(fay);
    const address = freshAddress();
    for (let i = 0; i < 5; i++) {
      expect((await roomStream(gus, faysRoom, address)).status).toBe(404);
      expect((await viewer('nope', address)).status).toBe(404);
      expect((await stream(`/api/events?roomId=${faysRoom}`, address)).status).toBe(401);
    }
    expect((await roomStream(gus, await roomOf(gus), address)).status).toBe(200);
    expect((await roomStream(gus, await roomOf(gus), address)).status).toBe(200);
  });
});

describe.each([
  ['in-process events', {}],
  ['Redis Streams', { REDIS_URL: TEST_REDIS_URL }],
])('replay after a reconnect, %s', (_, env) => {
  let ws: WorkspaceHarness;
  let ada: UserClient;

  beforeAll(async () => {
    ws = await startWorkspace({ ...env, OZ_SSE_MAX_REPLAY: '5' });
    ada = await ws.signup('Ada');
  });

  afterAll(() => closeAll([ws], ws?.database));

  async function roomWithEvents(count: number): Promise<{ roomId: string; from: string; ids: string[] }> {
    const roomId = (await ada.request('POST', '/api/rooms', { name: 'history' })).body.id as string;
    const live = await SseClient.open(`${ws.origin}/api/events?roomId=${roomId}`, { session: ada.session });
    for (let i = 0; i <= count; i++) await ada.request('POST', `/api/rooms/${roomId}/messages`, { content: `m${i}` });
    await live.waitFor((e) => e.event === 'message' && e.data.content === `m${count}`);
    live.close();
    const ids = live.of('message').map((e) => e.id as string);
    return { roomId, from: ids[0], ids: ids.slice(1) };
  }

  it('replays what was missed, up to the cap', async () => {
    const { roomId, from, ids } = await roomWithEvents(5);
    const resumed = await SseClient.open(`${ws.origin}/api/events?roomId=${roomId}`, { session: ada.session, lastEventId: from });
    await resumed.waitFor((e) => e.id === ids[ids.length - 1] && e.event === 'message');
    expect(resumed.received.map((e) => e.id)).toEqual(ids);
    resumed.close();
  });

  it('sends `resync` instead of a replay longer than the cap, then goes on live', async () => {
    const { roomId, from, ids } = await roomWithEvents(6);
    const resumed = await SseClient.open(`${ws.origin}/api/events?roomId=${roomId}`, { session: ada.session, lastEventId: from });
    await resumed.waitFor((e) => e.event === 'resync');
    expect(resumed.received).toEqual([{ id: ids[ids.length - 1], event: 'resync', data: {} }]);
    await ada.request('POST', `/api/rooms/${roomId}/messages`, { content: 'after' });
    const next = await resumed.waitFor((e) => e.event === 'message' && e.data.content === 'after');
    expect(resumed.received.map((e) => e.event)).toEqual(['resync', 'message']);
    expect(ids).not.toContain(next.id);
    resumed.close();
  });
});
