import { connectScriptedWorker, queryOnce, startFakeOpenAiServer, type FakeLlmServer, type ScriptedWorker } from '@oz/testing';
import type { MessageView } from '@oz/workspace-contract';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expectError, watch } from '../testing/api-expectations';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../testing/control-plane-process';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type ApiResponse, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/** Write requests one run may make with its token (refused ones count too); the scoping test makes about twenty. */
const MAX_WRITES = 30;

/**
 * Room callbacks per run, end to end: the workspace creates an agent's run on a real control plane
 * (the built app, as a process) in an environment; the scripted worker receives the assignment, whose
 * env_vars carry the run's room callback (OZ_ROOM_API_URL, OZ_ROOM_TOKEN), and the test then calls the
 * workspace with that token as the task container's oz-room would. The token opens the internal agent
 * routes for that run's room and run only, as that run's agent, while the run is unfinished.
 */
describe('room callbacks of an agent run in a task container', () => {
  let provider: FakeLlmServer;
  let controlPlane: ControlPlaneProcess;
  let ws: WorkspaceHarness;
  let owner: UserClient;
  let stranger: UserClient;
  let worker: ScriptedWorker;
  let environmentId: string;
  const open: string[] = [];

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    controlPlane = await startControlPlaneProcess('oz_ws_callbacks_cp', {
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
    });
    ws = await startWorkspace({
      REDIS_URL: TEST_REDIS_URL,
      OZ_RUNNER_MODE: 'remote',
      OZ_API_BASE_URL: controlPlane.apiUrl,
      OZ_API_KEY: controlPlane.adminKey,
      OZ_REMOTE_POLL_INTERVAL_MS: '100',
      OZ_WORKSPACE_PUBLIC_URL: 'http://workspace.test:3000',
      OZ_ROOM_CALLBACK_MAX_WRITES: String(MAX_WRITES),
    });
    // The first account is the instance admin: its runs use the admin key, which sees this environment.
    owner = await ws.signup('Olga');
    stranger = await ws.signup('Stan');
    const environment = await controlPlane.admin('POST', '/environments', { name: 'callbacks', docker_image: 'oz-task:test' });
    environmentId = ((await environment.json()) as { id: string }).id;
    worker = await connectScriptedWorker(controlPlane.origin, controlPlane.adminKey, 'callbacks-worker');
  }, 180_000);

  afterEach(async () => {
    // Runs a test left going end as a worker would end them.
    for (const taskId of open.splice(0)) await worker.send('task_completed', { task_id: taskId, output: 'finished' });
  });

  afterAll(async () => {
    // Each step says when it was slow: a teardown that hangs is a shutdown bug to find, not to hide.
    await slowly('the scripted worker closing', () => worker?.close());
    await slowly('the workspace stopping', () => closeAll([ws], ws?.database));
    await controlPlane?.stop();
    await provider?.close();
  }, 120_000);

  async function slowly(what: string, step: () => Promise<unknown> | undefined): Promise<void> {
    const started = Date.now();
    await step();
    const took = Date.now() - started;
    if (took > 5_000) console.warn(`room-callbacks teardown: ${what} took ${took} ms`);
  }

  /** An agent of the owner's that runs in a task container, in a room of its own (with `teammates`). */
  async function containerRoom(name: string, teammates: string[] = []) {
    const agent = (await owner.request('POST', '/api/agents', { name, harness: 'claude-code', environment_id: environmentId })).body;
    const room = (await owner.request('POST', '/api/rooms', { name: `${name}-room`, agent_ids: [agent.id, ...teammates] })).body;
    const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: owner.session });
    return { agent, room, events };
  }

  /** @mentions the agent, takes the assignment as the worker, and returns what its task container would have. */
  async function mention(room: { id: string }, agent: { name: string }) {
    const run = (await owner.request('POST', `/api/rooms/${room.id}/messages`, { content: `@${agent.name} get to work` })).body.runs[0];
    const assignment = await worker.next('task_assignment', 15_000);
    open.push(assignment.task_id);
    await worker.send('task_claimed', { task_id: assignment.task_id, worker_id: worker.workerId });
    const token = assignment.env_vars?.['OZ_ROOM_TOKEN'] ?? '';
    const as = (method: string, path: string, body?: unknown, bearer = token): Promise<ApiResponse> =>
      ws.request(method, path, { body, headers: { authorization: `Bearer ${bearer}` } });
    return { run, assignment, token, as };
  }

  it('gives the task its room’s address and a token that only its sha256 is kept of', async () => {
    const { room, agent, events } = await containerRoom('Keeper');
    const { run, assignment, token } = await mention(room, agent);
    expect(assignment.env_vars?.['OZ_ROOM_API_URL']).toBe('http://workspace.test:3000/api');
    expect(token).toMatch(/^oz_room_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const [row] = await queryOnce<{ whole: string; hash: Buffer }>(
      ws.database.url,
      `SELECT row_to_json(r)::text AS whole, callback_token_sha256 AS hash FROM workspace.agent_runs r WHERE id = $1`,
      [run.id],
    );
    expect(row.hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(row.whole).not.toContain(token.slice('oz_room_'.length + 33));
    events.close();
  });

  it('lets the run’s agent post to its room, keep its board and tell the owner, each change an event on the room’s stream', async () => {
    const { room, agent, events } = await containerRoom('Poster');
    const { run, as } = await mention(room, agent);
    const next = watch(events);

    const said = await as('POST', '/api/agent/messages', { content: 'Cloned the repo, running the tests now.' });
    expect(said.status).toBe(201);
    expect(said.body).toMatchObject({
      message: { room_id: room.id, author_type: 'agent', agent: { id: agent.id, name: 'Poster' }, content: 'Cloned the repo, running the tests now.', status: 'complete', run_id: run.id },
      runs: [],
      paused: false,
    });
    expect((await next('message', (m) => m.id === said.body.message.id)).data).toEqual(said.body.message);

    const created = await as('POST', '/api/agent/tasks', { title: 'Fix the flaky test', priority: 'high' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ room_id: room.id, title: 'Fix the flaky test', status: 'backlog', created_by_agent: { id: agent.id } });
    expect((await next('task', (d) => d.action === 'created')).data.task).toEqual(created.body);

    const listed = await as('GET', '/api/agent/tasks');
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([created.body.id]);

    const moved = await as('PATCH', `/api/agent/tasks/${created.body.id}`, { status: 'in_progress' });
    expect(moved.body).toMatchObject({ id: created.body.id, status: 'in_progress' });
    // The POST form, for clients that cannot PATCH (busybox wget): the same change.
    const done = await as('POST', `/api/agent/tasks/${created.body.id}`, { status: 'done' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: created.body.id, status: 'done' });
    expect((await next('task', (d) => d.action === 'updated' && d.task.status === 'done')).data.task).toEqual(done.body);

    const notified = await as('POST', '/api/agent/notifications', { message: 'Tests are green.' });
    expect(notified.status).toBe(201);
    expect((await next('notification')).data).toEqual(notified.body);
    expect((await owner.request('GET', '/api/notifications')).body.items[0]).toMatchObject({ room_id: room.id, agent: { id: agent.id }, message: 'Tests are green.' });

    // What the room shows afterwards, through the owner's own routes.
    const messages = (await owner.request('GET', `/api/rooms/${room.id}/messages`)).body.items as MessageView[];
    expect(messages.map((m) => m.content)).toContain('Cloned the repo, running the tests now.');
    expect((await owner.request('GET', `/api/rooms/${room.id}/tasks`)).body.items).toEqual([done.body]);
    events.close();
  });

  it('opens its own room and run only: any other room, task or run reads as unknown, and it acts as its own agent', async () => {
    const { room, agent, events } = await containerRoom('Scoped');
    const teammate = (await owner.request('POST', '/api/agents', { name: 'Scoped Mate' })).body;
    await owner.request('PUT', `/api/rooms/${room.id}/agents/${teammate.id}`);
    const { run, as } = await mention(room, agent);

    // Another room of the same owner, with the same agent in it; and a stranger's room.
    const sibling = (await owner.request('POST', '/api/rooms', { name: 'sibling', agent_ids: [agent.id] })).body;
    const strangerAgent = (await stranger.request('POST', '/api/agents', { name: 'Theirs' })).body;
    const strangers = (await stranger.request('POST', '/api/rooms', { name: 'theirs', agent_ids: [strangerAgent.id] })).body;
    const siblingTask = (await owner.request('POST', `/api/rooms/${sibling.id}/tasks`, { title: 'not yours' })).body;
    for (const other of [sibling.id, strangers.id, randomUUID()]) {
      const unknown = new RegExp(`Room ${other} not found`);
      expectError(await as('POST', '/api/agent/messages', { room_id: other, content: 'hi' }), 404, 'resource_not_found', unknown);
      expectError(await as('POST', '/api/agent/tasks', { room_id: other, title: 't' }), 404, 'resource_not_found', unknown);
      expectError(await as('GET', `/api/agent/tasks?roomId=${other}`), 404, 'resource_not_found', unknown);
      expectError(await as('POST', '/api/agent/notifications', { room_id: other, message: 'hi' }), 404, 'resource_not_found', unknown);
    }
    expectError(await as('PATCH', `/api/agent/tasks/${siblingTask.id}`, { status: 'done' }), 404, 'resource_not_found', new RegExp(`Task ${siblingTask.id} not found`));
    expectError(await as('POST', `/api/agent/tasks/${siblingTask.id}`, { status: 'done' }), 404, 'resource_not_found', /Task .* not found/);

    // Another run's reply (the stranger's, a made-up one) reads as unknown too.
    for (const other of [randomUUID(), 'nope']) {
      expectError(await as('POST', '/api/agent-response', { taskId: other, response: 'forged' }), 404, 'resource_not_found', new RegExp(`Run ${other} not found`));
    }

    // Naming its own room and agent is fine; a teammate is not who it is.
    expect((await as('POST', '/api/agent/messages', { room_id: room.id, agent_id: agent.id, content: 'me' })).status).toBe(201);
    expectError(await as('POST', '/api/agent/messages', { agent_id: teammate.id, content: 'as mate' }), 400, 'invalid_request', /agent_id must be the agent of this run's callback token/, 'agent_id');
    expectError(await as('POST', '/api/agent/tasks', { title: 't', created_by: teammate.id }), 400, 'invalid_request', /created_by must be the agent of this run's callback token/, 'created_by');
    expectError(await as('POST', '/api/agent/notifications', { agent_id: teammate.id, message: 'as mate' }), 400, 'invalid_request', /agent_id must be the agent of this run's callback token/, 'agent_id');
    // Every id is still checked: the assignee must be an agent of the room.
    expectError(await as('POST', '/api/agent/tasks', { title: 't', assignee_id: strangerAgent.id }), 400, 'invalid_request', /assignee_id must be an agent of this room/, 'assignee_id');
    expectError(await as('POST', '/api/agent/messages', { room_id: 'nope', content: 'x' }), 400, 'invalid_request', /room_id must be a room id/, 'room_id');

    // Nothing reached the other rooms.
    expect((await owner.request('GET', `/api/rooms/${sibling.id}/messages`)).body.items).toEqual([]);
    expect((await stranger.request('GET', `/api/rooms/${strangers.id}/tasks`)).body.items).toEqual([]);
    expect((await owner.request('GET', `/api/runs/${run.id}`)).body.state).toBe('INPROGRESS');
    events.close();
  });

  it('refuses tokens that are not its run’s, and keeps sessions out', async () => {
    const { room, agent, events } = await containerRoom('Guarded');
    const { token, as } = await mention(room, agent);
    const [selector] = token.split('_').slice(2, 3);
    const forged = [
      `oz_room_${selector}_${randomBytes(32).toString('base64url')}`, // its run, another secret
      `oz_room_${randomUUID().replaceAll('-', '')}_${token.slice(-43)}`, // its secret, another run
      `${token}x`,
      'oz_room_',
    ];
    for (const bearer of forged) {
      expectError(await as('POST', '/api/agent/messages', { content: 'forged' }, bearer), 401, 'callback_token_invalid', /not valid: unknown, or its run has ended/);
      expectError(await as('GET', '/api/agent/tasks', undefined, bearer), 401, 'callback_token_invalid', /not valid/);
    }
    // A session token as the bearer opens no agent route, as before.
    expectError(await as('GET', `/api/agent/tasks?roomId=${room.id}`, undefined, owner.session), 401, 'agent_key_required', /X-Agent-Key/);
    expect((await owner.request('GET', `/api/rooms/${room.id}/messages`)).body.items.map((m: MessageView) => m.content)).not.toContain('forged');
    events.close();
  });

  it('posted mentions invoke teammates one level deeper, once, as the run’s reply would', async () => {
    const helper = (await owner.request('POST', '/api/agents', { name: 'Helper', harness: 'custom' })).body;
    const { room, agent, events } = await containerRoom('Caller', [helper.id]);
    const { run, as } = await mention(room, agent);
    provider.enqueue({ kind: 'answer', chunks: ['Helper here.'] });

    const said = await as('POST', '/api/agent/messages', { content: '@Helper can you review the diff?' });
    expect(said.body.runs).toEqual([expect.objectContaining({ agent_id: helper.id, parent_run_id: run.id, depth: 1 })]);
    const helperRun = said.body.runs[0];
    const reply = await events.waitFor((e) => e.event === 'message' && e.data.id === helperRun.reply_message_id && e.data.status === 'complete', 20_000);
    expect(reply.data.content).toBe('Helper here.');
    // The same teammate mentioned again by this run is not invoked twice.
    expect((await as('POST', '/api/agent/messages', { content: '@Helper again?' })).body.runs).toEqual([]);
    events.close();
  });

  it('delivers its own run’s reply, ending the run, and is refused from then on; X-Agent-Key still works', async () => {
    const { room, agent, events } = await containerRoom('Finisher');
    const { run, assignment, as } = await mention(room, agent);

    const delivered = await as('POST', '/api/agent-response', { response: 'All done: PR #7.' });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ success: true, run_id: run.id, duplicate: false });
    const reply = await events.waitFor((e) => e.event === 'message' && e.data.id === run.reply_message_id && e.data.status === 'complete');
    expect(reply.data.content).toBe('All done: PR #7.');
    // The workspace run ended, so the control plane's run is cancelled.
    expect(await worker.next('task_cancellation', 15_000)).toEqual({ task_id: assignment.task_id });

    expectError(await as('POST', '/api/agent/messages', { content: 'late' }), 401, 'callback_token_invalid', /its run has ended/);
    expectError(await as('GET', '/api/agent/tasks'), 401, 'callback_token_invalid', /its run has ended/);
    expectError(await as('POST', '/api/agent-response', { response: 'again' }), 401, 'callback_token_invalid', /its run has ended/);

    // The trusted key still reaches the room, naming it and the agent.
    const byKey = await ws.request('POST', '/api/agent/messages', { body: { room_id: room.id, agent_id: agent.id, content: 'from a trusted caller' }, headers: { 'x-agent-key': TEST_AGENT_KEY } });
    expect(byKey.status).toBe(201);
    expect(byKey.body).toMatchObject({ message: { agent: { id: agent.id }, content: 'from a trusted caller', run_id: null }, runs: [] });
    expectError(
      await ws.request('POST', '/api/agent/messages', { body: { content: 'no room' }, headers: { 'x-agent-key': TEST_AGENT_KEY } }),
      400,
      'invalid_request',
      /room_id must be a room id/,
      'room_id',
    );
    events.close();
  });

  it('dies with a run that was cancelled in the workspace', async () => {
    const { room, agent, events } = await containerRoom('Cancelled');
    const { run, as } = await mention(room, agent);
    expect((await as('GET', '/api/agent/tasks')).status).toBe(200);
    expect((await owner.request('POST', `/api/runs/${run.id}/cancel`)).status).toBe(200);
    expectError(await as('GET', '/api/agent/tasks'), 401, 'callback_token_invalid', /its run has ended/);
    events.close();
  });

  it(`allows one run ${MAX_WRITES} writes with its token, then answers 403`, async () => {
    const { room, agent, events } = await containerRoom('Chatty');
    const { as } = await mention(room, agent);
    for (let i = 0; i < MAX_WRITES; i++) expect((await as('POST', '/api/agent/messages', { content: `note ${i}` })).status).toBe(201);
    expectError(await as('POST', '/api/agent/messages', { content: 'one too many' }), 403, 'callback_writes_exhausted', /OZ_ROOM_CALLBACK_MAX_WRITES/);
    // Reading is not writing.
    expect((await as('GET', '/api/agent/tasks')).status).toBe(200);
    events.close();
  });
});
