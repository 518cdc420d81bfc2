import { randomUUID } from 'node:crypto';
import { expectError, watch } from '../testing/api-expectations';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * The board routes external agents call with X-Agent-Key: the same rules as a person's, the agent
 * credited, every change a `task` event; and the live-events route's own bad input.
 */
describe('internal agent task routes', () => {
  let ws: WorkspaceHarness;
  let owner: UserClient;
  let roomId: string;
  let agentId: string;
  let outsiderId: string;
  let sse: SseClient;

  const asAgent = (method: string, path: string, body?: unknown) => ws.request(method, path, { body, headers: { 'x-agent-key': TEST_AGENT_KEY } });

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    owner = await ws.signup('Owner');
    agentId = (await owner.request('POST', '/api/agents', { name: 'Planner' })).body.id;
    outsiderId = (await owner.request('POST', '/api/agents', { name: 'Elsewhere' })).body.id;
    roomId = (await owner.request('POST', '/api/rooms', { name: 'board', agent_ids: [agentId] })).body.id;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${roomId}`, { session: owner.session });
  });

  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  it('creates, lists and moves tasks, crediting the agent, with an event for each change', async () => {
    const next = watch(sse);
    const created = await asAgent('POST', '/api/agent/tasks', { room_id: roomId, title: 'Write the plan', priority: 'high', created_by: agentId, assignee_id: agentId });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      room_id: roomId,
      title: 'Write the plan',
      status: 'backlog',
      priority: 'high',
      position: 0,
      assignee: { id: agentId, name: 'Planner' },
      created_by_agent: { id: agentId, name: 'Planner' },
    });
    expect((await next('task', (d) => d.action === 'created')).data).toEqual({ action: 'created', task: created.body });

    const listed = await asAgent('GET', `/api/agent/tasks?roomId=${roomId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([created.body.id]);

    const moved = await asAgent('PATCH', `/api/agent/tasks/${created.body.id}`, { status: 'in_progress', assignee_id: null });
    expect(moved.body).toMatchObject({ status: 'in_progress', position: 0, assignee: null });
    expect((await next('task', (d) => d.action === 'updated')).data.task).toEqual(moved.body);
    // The owner's board shows the same.
    expect((await owner.request('GET', `/api/rooms/${roomId}/tasks`)).body.items).toEqual([moved.body]);
  });

  it.each([
    ['no room_id', { title: 't' }, 'room_id', /room_id must be a room id/],
    ['a malformed room_id', { room_id: 'nope', title: 't' }, 'room_id', /room_id must be a room id/],
    ['no title', { room_id: ':room' }, 'title', /title is required/],
    ['an empty title', { room_id: ':room', title: ' ' }, 'title', /title must not be empty/],
    ['an unknown status', { room_id: ':room', title: 't', status: 'doing' }, 'status', /status must be one of: backlog, in_progress, done/],
    ['a malformed created_by', { room_id: ':room', title: 't', created_by: 7 }, 'created_by', /created_by must be an agent id/],
  ])('refuses a task with %s', async (_, body, field, message) => {
    const withRoom = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === ':room' ? roomId : v]));
    expectError(await asAgent('POST', '/api/agent/tasks', withRoom), 400, 'invalid_request', message, field);
  });

  it('refuses agents outside the room and rooms or tasks that do not exist', async () => {
    expectError(
      await asAgent('POST', '/api/agent/tasks', { room_id: roomId, title: 't', created_by: outsiderId }),
      400,
      'invalid_request',
      /created_by must be an agent of this room/,
      'created_by',
    );
    const missingRoom = randomUUID();
    expectError(await asAgent('POST', '/api/agent/tasks', { room_id: missingRoom, title: 't' }), 404, 'resource_not_found', new RegExp(`Room ${missingRoom} not found`));
    expectError(await asAgent('GET', `/api/agent/tasks?roomId=${missingRoom}`), 404, 'resource_not_found', /Room .* not found/);
    expectError(await asAgent('GET', '/api/agent/tasks'), 400, 'invalid_request', /roomId is required/, 'roomId');
    expectError(await asAgent('PATCH', `/api/agent/tasks/${randomUUID()}`, { title: 'x' }), 404, 'resource_not_found', /Task .* not found/);
    expectError(await asAgent('PATCH', '/api/agent/tasks/nope', { title: 'x' }), 404, 'resource_not_found', /Task nope not found/);
  });

  it('GET /api/events needs a roomId of the caller\'s', async () => {
    expectError(await ws.request('GET', '/api/events', { session: owner.session }), 400, 'invalid_request', /roomId is required/, 'roomId');
    expectError(await ws.request('GET', '/api/events?roomId=nope', { session: owner.session }), 404, 'resource_not_found', /Room nope not found/);
    expectError(await ws.request('GET', `/api/events?roomId=${roomId}`), 401, 'authentication_required', /Log in first/);
  });
});
