import { startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { closeAll, startWorkspace, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Mention fan-out is bounded: one person's message starts at most OZ_MAX_RUNS_PER_MESSAGE replies in
 * all (its own mentions and every teammate the replies then mention), and one user has at most
 * OZ_MAX_ACTIVE_RUNS_PER_USER replies in progress. A message over a cap is refused before it is
 * posted; agents asked beyond a cap by other agents are told so in the room, once per reply.
 */
describe('mention fan-out caps', () => {
  let provider: FakeLlmServer;
  let ws: WorkspaceHarness;
  let user: UserClient;
  const PER_MESSAGE = 4;
  const ACTIVE = 2;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ws = await startWorkspace({
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_MAX_MENTION_DEPTH: '3',
      OZ_MAX_RUNS_PER_MESSAGE: String(PER_MESSAGE),
      OZ_MAX_ACTIVE_RUNS_PER_USER: String(ACTIVE),
    });
    user = await ws.signup('Ada');
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await provider?.close();
  });

  afterEach(() => provider.reset());

  let rooms = 0;
  async function roomWith(names: string[]): Promise<{ roomId: string; agents: { id: string; name: string }[] }> {
    const agents = [];
    for (const name of names) {
      const created = await user.request('POST', '/api/agents', { name: `${name}${rooms}`, harness: 'custom' });
      expect(created.status).toBe(201);
      agents.push(created.body as { id: string; name: string });
    }
    const room = await user.request('POST', '/api/rooms', { name: `fan-out ${++rooms}`, agent_ids: agents.map((a) => a.id) });
    return { roomId: room.body.id, agents };
  }

  const say = (roomId: string, content: string) => user.request('POST', `/api/rooms/${roomId}/messages`, { content });
  const runsOf = async (roomId: string) => (await user.request('GET', `/api/rooms/${roomId}/runs`)).body.items as { id: string; state: string; error: string | null; reply_message_id: string }[];
  const historyOf = async (roomId: string) => (await user.request('GET', `/api/rooms/${roomId}/messages`)).body.items as { id: string; content: string; status: string }[];

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the room never settled');
  }

  it('refuses a message that mentions more agents than one message may ask, before posting it', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `Bot${i}x`);
    const { roomId } = await roomWith(names);
    const response = await say(roomId, names.map((n) => `@${n}${rooms - 1}`).join(' '));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'too_many_mentions',
      message: `This message mentions 50 agents; one message may ask at most ${PER_MESSAGE} for a reply (OZ_MAX_RUNS_PER_MESSAGE). Mention fewer.`,
    });
    expect(await historyOf(roomId)).toEqual([]);
    expect(await runsOf(roomId)).toEqual([]);
    expect(provider.requests).toHaveLength(0);
  });

  it('stops agents that keep mentioning each other at the cap, and tells the room who was not asked', async () => {
    const { roomId, agents } = await roomWith(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = agents;
    // Every agent hands over to both others: without a cap, 1 + 2 + 4 + 8 replies up to the depth limit.
    provider.script((request) => {
      const me = agents.find((a) => request.system?.includes(`Your name is ${a.name}.`));
      return { kind: 'answer', text: agents.filter((a) => a !== me).map((a) => `@${a.name}`).join(' ') + ' your turn' };
    });
    expect((await say(roomId, `@${ann.name} start`)).status).toBe(201);

    // Settled: every run has ended; started ones ended answering, refused ones never started.
    const runs = await until(
      () => runsOf(roomId),
      (list) => list.length >= PER_MESSAGE && list.every((r) => r.state !== 'QUEUED' && r.state !== 'INPROGRESS'),
    );
    const started = runs.filter((r) => r.state === 'SUCCEEDED');
    const refused = runs.filter((r) => r.state === 'FAILED');
    expect(started).toHaveLength(PER_MESSAGE);
    expect(provider.requests).toHaveLength(PER_MESSAGE);
    // The 2nd and 3rd replies ask for 2 each with 1 place left between them, the 4th for 2 with none: 3 replies are told no.
    expect(refused).toHaveLength(3);
    for (const run of refused) expect(run.error).toBe(`this conversation already started ${PER_MESSAGE} agent replies, the most one message may start (OZ_MAX_RUNS_PER_MESSAGE)`);

    const history = await historyOf(roomId);
    const notices = history.filter((m) => refused.some((r) => r.reply_message_id === m.id));
    expect(notices).toHaveLength(3);
    for (const notice of notices) {
      expect(notice.status).toBe('error');
      expect(notice.content).toMatch(new RegExp(`^⚠️ (${[ann, ben, cat].map((a) => a.name).join('|')})( and (${[ann, ben, cat].map((a) => a.name).join('|')}))? could not reply: this conversation already started ${PER_MESSAGE} agent replies`));
    }
    // A new message is a new conversation with its own allowance.
    provider.script(() => ({ kind: 'answer', text: 'done' }));
    const again = await say(roomId, `@${ben.name} and @${cat.name}, once more`);
    expect(again.status).toBe(201);
    expect(again.body.runs).toHaveLength(2);
    await until(
      () => runsOf(roomId),
      (list) => list.every((r) => r.state !== 'QUEUED' && r.state !== 'INPROGRESS'),
    );
  });

  it('keeps a user\'s replies in progress at the cap: a message asking for more is refused with 429 until some end', async () => {
    const { roomId, agents } = await roomWith(['Dee', 'Eli', 'Fox']);
    const [dee, eli, fox] = agents;
    provider.script(() => ({ kind: 'hang' }));
    const first = await say(roomId, `@${dee.name} @${eli.name} think hard`);
    expect(first.body.runs).toHaveLength(ACTIVE);

    const over = await say(roomId, `@${fox.name} you too`);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({
      code: 'too_many_active_runs',
      message: `${ACTIVE} of your agent replies are in progress and this message asks for 1 more; at most ${ACTIVE} may run at once (OZ_MAX_ACTIVE_RUNS_PER_USER). Wait for some to finish, or cancel them.`,
    });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await historyOf(roomId)).some((m) => m.content === `@${fox.name} you too`)).toBe(false);
    // A message that asks nobody is fine.
    expect((await say(roomId, 'just a note')).status).toBe(201);

    expect((await user.request('POST', `/api/runs/${first.body.runs[0].id}/cancel`)).status).toBe(200);
    const later = await say(roomId, `@${fox.name} you too`);
    expect(later.status).toBe(201);
    expect(later.body.runs).toHaveLength(1);
    await user.request('POST', `/api/rooms/${roomId}/pause`);
  });

  it('holds the cap when messages race past the check: the extra ones are refused in the room', async () => {
    const { roomId, agents } = await roomWith(['Gus', 'Hal', 'Ivy', 'Jon']);
    provider.script(() => ({ kind: 'hang' }));
    const posted = await Promise.all(agents.map((agent) => say(roomId, `@${agent.name} go`)));
    const runs = await runsOf(roomId);
    const inFlight = runs.filter((r) => r.state === 'QUEUED' || r.state === 'INPROGRESS');
    expect(inFlight).toHaveLength(ACTIVE);
    // Each message beyond the cap was refused before posting (429) or, past that check, told so in the room.
    const refusedInRoom = runs.filter((r) => r.state === 'FAILED');
    expect(posted.filter((p) => p.status === 429).length + refusedInRoom.length).toBe(agents.length - ACTIVE);
    for (const run of refusedInRoom) expect(run.error).toContain('OZ_MAX_ACTIVE_RUNS_PER_USER');
    await user.request('POST', `/api/rooms/${roomId}/pause`);
  });
});
