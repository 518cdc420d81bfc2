import { startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import type { MessageView } from '@oz/workspace-contract';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Agent invocation in local mode, end to end: a real workspace API on PostgreSQL and Redis calling a
 * fake OpenAI-compatible provider that streams its answers over the real wire protocol.
 */
describe('agent invocation (local runner)', () => {
  let provider: FakeLlmServer;
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ws = await startWorkspace({
      REDIS_URL: TEST_REDIS_URL,
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_PROVIDER_CUSTOM_STREAM: 'true',
      OZ_MAX_MENTION_DEPTH: '2',
      OZ_STREAM_FLUSH_MS: '20',
    });
    user = await ws.signup('Ada');
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await provider?.close();
  });

  afterEach(() => provider.reset());

  async function agent(name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    const response = await user.request('POST', '/api/agents', { name, harness: 'custom', ...extra });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function room(agentIds: string[], name = 'work'): Promise<{ id: string }> {
    const response = await user.request('POST', '/api/rooms', { name, agent_ids: agentIds });
    expect(response.status).toBe(201);
    return response.body;
  }

  const stream = (roomId: string) => SseClient.open(`${ws.origin}/api/events?roomId=${roomId}`, { session: user.session });
  const say = (roomId: string, content: string) => user.request('POST', `/api/rooms/${roomId}/messages`, { content });
  const runsOf = async (roomId: string) => (await user.request('GET', `/api/rooms/${roomId}/runs`)).body.items as any[];

  /** The final `message` event of a reply (status no longer streaming). */
  const finalReply = (events: SseClient, messageId: string) =>
    events.waitFor((e) => e.event === 'message' && e.data.id === messageId && e.data.status !== 'streaming', 15_000).then((e) => e.data as MessageView);

  it('streams a mentioned agent\'s reply as deltas that assemble into the final message', async () => {
    const rex = await agent('Rex', { system_prompt: 'You review code.' });
    const ann = await agent('Ann Marie', { system_prompt: 'You write plans.\nSecond line.' });
    const r = await room([rex.id, ann.id], 'payments');
    await user.request('POST', `/api/rooms/${r.id}/tasks`, { title: 'Ship refunds', assignee_id: ann.id });
    await say(r.id, 'Earlier context line');
    const events = await stream(r.id);
    const pieces = ['Looking ', 'at it', ' now: ', 'all **good**.'];
    provider.enqueue({ kind: 'answer', chunks: pieces, chunkDelayMs: 120 });

    const posted = await say(r.id, 'hey @rex, please check');
    expect(posted.status).toBe(201);
    expect(posted.body.runs).toHaveLength(1);
    const run = posted.body.runs[0];
    expect(run).toMatchObject({ agent_id: rex.id, depth: 0, state: 'QUEUED', mode: 'local' });

    const reply = await finalReply(events, run.reply_message_id);
    expect(reply).toMatchObject({ content: pieces.join(''), status: 'complete', author_type: 'agent', run_id: run.id, agent: { id: rex.id, name: 'Rex' } });

    // The deltas alone rebuild the reply, in order, and there were several of them.
    const deltas = events.of('message_delta').filter((e) => e.data.message_id === run.reply_message_id);
    expect(deltas.length).toBeGreaterThan(1);
    let assembled = '';
    for (const { data } of deltas) assembled = assembled.slice(0, data.offset) + data.delta;
    expect(assembled).toBe(pieces.join(''));

    // The agent was told who it is, and the room's context.
    const request = provider.requests[0];
    expect(request.system).toContain('Your name is Rex.');
    expect(request.system).toContain('You review code.');
    expect(request.prompt).toContain('Room: payments');
    expect(request.prompt).toContain('- @Ann Marie: You write plans.');
    expect(request.prompt).not.toContain('Second line.');
    expect(request.prompt).toContain('[backlog] Ship refunds (priority medium, assigned to Ann Marie)');
    expect(request.prompt).toContain('User: Earlier context line');
    expect(request.prompt).toMatch(/Request from the user:\nhey @rex, please check$/);

    // Status went running → idle in this room, and the run is recorded.
    await events.waitFor((e) => e.event === 'room' && e.data.agents.find((a: any) => a.id === rex.id)?.status === 'idle');
    expect(events.of('room').map((e) => e.data.agents.find((a: any) => a.id === rex.id)?.status)).toEqual(['running', 'idle']);
    const [recorded] = await runsOf(r.id);
    expect(recorded).toMatchObject({ id: run.id, state: 'SUCCEEDED', provider: 'custom/fake-model', error: null });
    const history = (await user.request('GET', `/api/rooms/${r.id}/messages`)).body.items;
    expect(history.filter((m: MessageView) => m.run_id === run.id)).toHaveLength(1);
    events.close();
  });

  it('invokes teammates an agent mentions, one level deeper, and stops at the depth limit', async () => {
    const ping = await agent('Ping');
    const pong = await agent('Pong');
    const r = await room([ping.id, pong.id]);
    // Each agent hands over to the other, forever, and also mentions itself (which must not count).
    provider.script((request) => ({ kind: 'answer', text: request.system?.includes('Your name is Ping.') ? '@Ping over to @Pong' : 'back to @Ping' }));
    const events = await stream(r.id);
    await say(r.id, '@Ping start');

    // Depth 0 (Ping), 1 (Pong), 2 (Ping): OZ_MAX_MENTION_DEPTH=2 ends the chain there.
    await waitUntil(async () => (await runsOf(r.id)).filter((x) => x.state === 'SUCCEEDED').length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const runs = (await runsOf(r.id)).reverse();
    expect(runs.map((x) => [x.agent_id, x.depth])).toEqual([
      [ping.id, 0],
      [pong.id, 1],
      [ping.id, 2],
    ]);
    expect(runs[1].parent_run_id).toBe(runs[0].id);
    expect(runs[2].parent_run_id).toBe(runs[1].id);
    expect(provider.requests).toHaveLength(3);
    // Pong was asked with Ping's reply as the request.
    expect(provider.requests[1].prompt).toMatch(/Request from Ping:\n@Ping over to @Pong$/);
    events.close();
  });

  it('a failing provider leaves exactly one clear error message, and the agent shows the error', async () => {
    const bad = await agent('Broken');
    const r = await room([bad.id]);
    provider.enqueue({ kind: 'status', status: 401, message: 'invalid api key' });
    const events = await stream(r.id);
    const posted = await say(r.id, '@Broken hello');
    const reply = await finalReply(events, posted.body.runs[0].reply_message_id);
    expect(reply.status).toBe('error');
    expect(reply.content).toMatch(/^⚠️ Broken could not reply: .*401/);
    const messages = (await user.request('GET', `/api/rooms/${r.id}/messages`)).body.items as MessageView[];
    expect(messages.map((m) => [m.author_type, m.status])).toEqual([
      ['human', 'complete'],
      ['agent', 'error'],
    ]);
    const [run] = await runsOf(r.id);
    expect(run.state).toBe('FAILED');
    expect(run.error).toContain('401');
    expect((await user.request('GET', `/api/rooms/${r.id}`)).body.agents[0].status).toBe('error');
    events.close();
  });

  it('keeps an agent\'s status per room: busy in one room, idle in another', async () => {
    const solo = await agent('Solo');
    const busyRoom = await room([solo.id], 'busy');
    const freeRoom = await room([solo.id], 'free');
    provider.script((request) => (request.prompt.includes('Room: busy') ? { kind: 'hang' } : { kind: 'answer', text: 'done' }));
    const busy = await say(busyRoom.id, '@Solo long job');
    await provider.waitForRequests(1);
    const freeEvents = await stream(freeRoom.id);
    const quick = await say(freeRoom.id, '@Solo quick one');
    await finalReply(freeEvents, quick.body.runs[0].reply_message_id);
    await freeEvents.waitFor((e) => e.event === 'room' && e.data.agents[0].status === 'idle');

    expect((await user.request('GET', `/api/rooms/${freeRoom.id}`)).body.agents[0].status).toBe('idle');
    expect((await user.request('GET', `/api/rooms/${busyRoom.id}`)).body.agents[0].status).toBe('running');
    const agents = (await user.request('GET', '/api/agents')).body.items;
    expect(agents.find((a: any) => a.id === solo.id).running_in_room_ids).toEqual([busyRoom.id]);

    // Cancelling the hanging reply aborts the provider call and marks the reply cancelled.
    const cancelled = await user.request('POST', `/api/runs/${busy.body.runs[0].id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('CANCELLED');
    await provider.waitForAbort(provider.requests.findIndex((q) => q.prompt.includes('Room: busy')));
    const message = (await user.request('GET', `/api/rooms/${busyRoom.id}/messages`)).body.items.find((m: MessageView) => m.run_id === busy.body.runs[0].id);
    expect(message).toMatchObject({ status: 'cancelled', content: 'Cancelled.' });
    expect((await user.request('POST', `/api/runs/${busy.body.runs[0].id}/cancel`)).status).toBe(409);
    freeEvents.close();
  });

  it('pausing a room stops the replies in progress and invokes nobody until resumed', async () => {
    const slow = await agent('Slow');
    const r = await room([slow.id]);
    provider.enqueue({ kind: 'answer', chunks: ['partial ', 'and ', 'more'], chunkDelayMs: 400 });
    const events = await stream(r.id);
    const first = await say(r.id, '@Slow go');
    await events.waitFor((e) => e.event === 'message_delta');
    const paused = await user.request('POST', `/api/rooms/${r.id}/pause`);
    expect(paused.body.paused).toBe(true);
    // The text streamed before the pause (not saved yet: saves come every second) stays in the reply,
    // in its very first final event: the reply never flickers back to its saved prefix.
    const ended = await finalReply(events, first.body.runs[0].reply_message_id);
    expect(ended.status).toBe('cancelled');
    expect(ended.content).toMatch(/^partial /);
    expect((await user.request('GET', `/api/runs/${first.body.runs[0].id}`)).body).toMatchObject({ state: 'CANCELLED', error: 'The room was paused' });
    await provider.waitForAbort(0);

    const ignored = await say(r.id, '@Slow are you there?');
    expect(ignored.body).toMatchObject({ runs: [], paused: true });
    await user.request('POST', `/api/rooms/${r.id}/resume`);
    provider.enqueue({ kind: 'answer', text: 'back' });
    const again = await say(r.id, '@Slow and now?');
    expect(again.body.runs).toHaveLength(1);
    expect((await finalReply(events, again.body.runs[0].reply_message_id)).content).toBe('back');
    events.close();
  });

  it('deleting an agent stops its replies in progress', async () => {
    const doomed = await agent('Doomed');
    const r = await room([doomed.id]);
    provider.enqueue({ kind: 'hang' });
    const events = await stream(r.id);
    const run = (await say(r.id, '@Doomed work')).body.runs[0];
    await provider.waitForRequests(1);
    expect((await user.request('DELETE', `/api/agents/${doomed.id}`)).status).toBe(204);
    await provider.waitForAbort(0);
    const reply = await finalReply(events, run.reply_message_id);
    expect(reply).toMatchObject({ status: 'cancelled', content: 'Cancelled.' });
    expect((await user.request('GET', `/api/rooms/${r.id}`)).body.agents).toEqual([]);
    events.close();
  });

  describe('POST /api/agent-response (a reply delivered from outside)', () => {
    const deliver = (body: unknown, key: string | null = TEST_AGENT_KEY) =>
      ws.request('POST', '/api/agent-response', { body, headers: key === null ? {} : { 'x-agent-key': key } });

    it('completes the run with the delivered text, once, and invokes the teammates it mentions one level deeper', async () => {
      const lead = await agent('Lead');
      const helper = await agent('Helper');
      const r = await room([lead.id, helper.id]);
      provider.script((request) => (request.system?.includes('Your name is Lead.') ? { kind: 'hang' } : { kind: 'answer', text: 'helped' }));
      const events = await stream(r.id);
      const posted = await say(r.id, '@Lead plan it');
      const run = posted.body.runs[0];
      await provider.waitForRequests(1);

      expect((await deliver({ task_id: run.id, message: 'Plan ready, @Helper take step 2' }, null)).status).toBe(401);
      expect((await deliver({ task_id: run.id, message: 'x' }, 'wrong-key-wrong-key')).status).toBe(401);
      expect((await deliver({ message: 'no id' })).status).toBe(400);
      expect((await deliver({ taskId: run.id })).status).toBe(400);

      const delivered = await deliver({ taskId: run.id, response: 'Plan ready, @Helper take step 2' });
      expect(delivered.status).toBe(200);
      expect(delivered.body).toEqual({ success: true, run_id: run.id, duplicate: false });
      const reply = await finalReply(events, run.reply_message_id);
      expect(reply).toMatchObject({ content: 'Plan ready, @Helper take step 2', status: 'complete' });
      await provider.waitForAbort(0); // the local call it replaced was stopped

      await waitUntil(async () => (await runsOf(r.id)).some((x) => x.agent_id === helper.id && x.state === 'SUCCEEDED'));
      const helperRun = (await runsOf(r.id)).find((x) => x.agent_id === helper.id);
      expect(helperRun).toMatchObject({ depth: 1, parent_run_id: run.id });

      // Delivered again: accepted as a duplicate, and nobody is invoked twice.
      expect((await deliver({ task_id: run.id, response: 'Plan ready, @Helper take step 2' })).body.duplicate).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await runsOf(r.id)).filter((x) => x.agent_id === helper.id)).toHaveLength(1);
      expect((await deliver({ task_id: '00000000-0000-4000-8000-000000000000', response: 'x' })).status).toBe(404);
      events.close();
    });

    it('refuses a reply for a run that already failed, and keeps the chain depth of the run it names', async () => {
      const a = await agent('Alpha');
      const b = await agent('Beta');
      const r = await room([a.id, b.id]);
      provider.enqueue({ kind: 'status', status: 400, message: 'bad request' });
      const failed = (await say(r.id, '@Alpha one')).body.runs[0];
      await waitUntil(async () => (await runsOf(r.id)).some((x) => x.id === failed.id && x.state === 'FAILED'));
      const refused = await deliver({ task_id: failed.id, response: 'late' });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain('FAILED');

      // A depth-2 run (the limit) completed by callback invokes nobody: the callback cannot reset depth.
      provider.script((request) => (request.system?.includes('Your name is Beta.') ? { kind: 'answer', text: '@Alpha your turn' } : { kind: 'hang' }));
      await say(r.id, '@Beta start'); // Beta (0) → Alpha (1, hangs)
      await waitUntil(async () => (await runsOf(r.id)).some((x) => x.agent_id === a.id && x.depth === 1));
      const alphaRun = (await runsOf(r.id)).find((x) => x.agent_id === a.id && x.depth === 1);
      await deliver({ task_id: alphaRun.id, response: 'ok @Beta' }); // → Beta at depth 2 answers '@Alpha your turn'
      await waitUntil(async () => (await runsOf(r.id)).some((x) => x.agent_id === b.id && x.depth === 2 && x.state === 'SUCCEEDED'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await runsOf(r.id)).filter((x) => x.depth === 3)).toHaveLength(0);
    });
  });
});

describe('stale agent sweeper', () => {
  let provider: FakeLlmServer;
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ws = await startWorkspace({
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_PROVIDER_CUSTOM_STREAM: 'true',
      OZ_STALE_AGENT_SWEEP_MS: '1500',
    });
    user = await ws.signup('Sam');
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await provider?.close();
  });

  it('fails a silent run after the cutoff but never a reply that keeps streaming', async () => {
    const quiet = (await user.request('POST', '/api/agents', { name: 'Quiet', harness: 'custom' })).body;
    const chatty = (await user.request('POST', '/api/agents', { name: 'Chatty', harness: 'custom' })).body;
    const r = (await user.request('POST', '/api/rooms', { name: 'sweep', agent_ids: [quiet.id, chatty.id] })).body;
    provider.script((request) =>
      request.system?.includes('Your name is Quiet.')
        ? { kind: 'hang' }
        : { kind: 'answer', chunks: Array.from({ length: 10 }, (_, i) => `part${i} `), chunkDelayMs: 400 },
    );
    const silent = (await user.request('POST', `/api/rooms/${r.id}/messages`, { content: '@Quiet think' })).body.runs[0];
    const streaming = (await user.request('POST', `/api/rooms/${r.id}/messages`, { content: '@Chatty talk' })).body.runs[0];

    await waitUntil(async () => (await user.request('GET', `/api/runs/${streaming.id}`)).body.state === 'SUCCEEDED', 15_000);
    const swept = (await user.request('GET', `/api/runs/${silent.id}`)).body;
    expect(swept.state).toBe('FAILED');
    expect(swept.error).toMatch(/stopped responding/);
    const messages = (await user.request('GET', `/api/rooms/${r.id}/messages`)).body.items as MessageView[];
    expect(messages.find((m) => m.run_id === silent.id)).toMatchObject({ status: 'error', content: expect.stringMatching(/^⚠️ Quiet could not reply: The agent stopped responding/) });
    expect(messages.find((m) => m.run_id === streaming.id)).toMatchObject({ status: 'complete', content: expect.stringContaining('part9') });
    const agents = (await user.request('GET', `/api/rooms/${r.id}`)).body.agents;
    expect(agents.find((a: any) => a.id === quiet.id).status).toBe('error');
    expect(agents.find((a: any) => a.id === chatty.id).status).toBe('idle');
  });
});

describe('a reply waiting for a provider slot', () => {
  let provider: FakeLlmServer;
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ws = await startWorkspace({
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_PROVIDER_CUSTOM_MSG_LIMIT: '1',
      OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '4',
      OZ_QUEUE_MAX_WAIT_SECONDS: '30',
      OZ_STALE_AGENT_SWEEP_MS: '1500',
    });
    user = await ws.signup('Quinn');
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await provider?.close();
  });

  // Bug found in the refactor: the heartbeat was sent once when the wait began, so a wait longer than
  // OZ_STALE_AGENT_SWEEP_MS was swept as "stopped responding" although waiting counts as activity.
  it('stays alive through a wait longer than the sweep cutoff, then answers', async () => {
    const first = (await user.request('POST', '/api/agents', { name: 'First', harness: 'custom' })).body;
    const second = (await user.request('POST', '/api/agents', { name: 'Second', harness: 'custom' })).body;
    const r = (await user.request('POST', '/api/rooms', { name: 'queue', agent_ids: [first.id, second.id] })).body;
    provider.script(() => ({ kind: 'answer', text: 'done' }));
    const quick = (await user.request('POST', `/api/rooms/${r.id}/messages`, { content: '@First go' })).body.runs[0];
    await waitUntil(async () => (await user.request('GET', `/api/runs/${quick.id}`)).body.state === 'SUCCEEDED');
    const started = Date.now();
    const queued = (await user.request('POST', `/api/rooms/${r.id}/messages`, { content: '@Second go' })).body.runs[0];

    await waitUntil(async () => (await user.request('GET', `/api/runs/${queued.id}`)).body.completed_at !== null, 20_000);
    expect(Date.now() - started).toBeGreaterThan(1500); // it really waited past the cutoff
    expect((await user.request('GET', `/api/runs/${queued.id}`)).body).toMatchObject({ state: 'SUCCEEDED', error: null });
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
