import { randomBytes, randomUUID } from 'node:crypto';
import { SseClient, type SseEvent } from './testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type ApiResponse, type UserClient, type WorkspaceHarness } from './testing/workspace-harness';

/**
 * Tenant isolation: user A builds a full world (agents, rooms, messages, tasks, an artifact, a share
 * link, a notification, an agent run); user B then tries every route that takes an id with A's ids,
 * and must get a plain 404 (or a 400 where the id is validated as input), with nothing of A's in any
 * response or event stream. Anonymous and forged sessions get 401 everywhere, and sessions do not open
 * the internal agent-key routes. Runs on one instance with Redis, so events go through Redis Streams.
 */

/** A string nobody else can produce by accident, so finding it in a response proves a leak. */
const tag = (label: string) => `${label}${randomBytes(5).toString('hex')}`;

/** Everything A owns; the placeholders of the route tables (`:aRoom`…) are its keys. */
interface World {
  aRoom: string;
  aRoom2: string;
  aAgent: string;
  aAgent2: string;
  aTask: string;
  aTask2: string;
  aArtifact: string;
  aNotification: string;
  aRun: string;
  aShare: string;
  /** B's own things, to aim A's ids at through B's resources. */
  bRoom: string;
  bAgent: string;
  bTask: string;
}

/** What A can see of its world, read back through A's own session. */
interface Snapshot {
  rooms: unknown;
  agents: unknown;
  notifications: unknown;
  run: unknown;
  perRoom: Record<string, { room: unknown; messages: unknown; tasks: unknown; artifacts: unknown; runs: unknown }>;
}

/** One attempt of B's: `route` is `METHOD /path` with placeholders; strings in `body` equal to a placeholder are replaced too. */
interface Attempt {
  route: string;
  body?: unknown;
  status: 404 | 400;
}

/**
 * Every route that takes an id, aimed at A's things with B's session. Where B's own room or task is
 * the target, A's id is the input (an agent to add or assign): refused as not found / not in the room.
 */
const B_ATTEMPTS: Attempt[] = [
  // rooms
  { route: 'GET /api/rooms/:aRoom', status: 404 },
  { route: 'GET /api/rooms/:aRoomUpper', status: 404 },
  { route: 'GET /api/rooms/:aRoom2', status: 404 },
  { route: 'PATCH /api/rooms/:aRoom', body: { name: 'renamed by B' }, status: 404 },
  { route: 'PATCH /api/rooms/:aRoom', body: { agent_ids: [':bAgent'] }, status: 404 },
  { route: 'PATCH /api/rooms/:aRoom', body: { agent_ids: [] }, status: 404 },
  { route: 'DELETE /api/rooms/:aRoom', status: 404 },
  { route: 'DELETE /api/rooms/:aRoom2', status: 404 },
  { route: 'POST /api/rooms/:aRoom/pause', status: 404 },
  { route: 'POST /api/rooms/:aRoom/resume', status: 404 },
  { route: 'PUT /api/rooms/:aRoom/agents/:aAgent', status: 404 },
  { route: 'PUT /api/rooms/:aRoom/agents/:bAgent', status: 404 },
  { route: 'DELETE /api/rooms/:aRoom/agents/:aAgent', status: 404 },
  { route: 'DELETE /api/rooms/:aRoom/agents/:bAgent', status: 404 },
  { route: 'POST /api/rooms/:aRoom/share', status: 404 },
  { route: 'DELETE /api/rooms/:aRoom/share', status: 404 },
  { route: 'PUT /api/rooms/:bRoom/agents/:aAgent', status: 404 },
  { route: 'PUT /api/rooms/:bRoom/agents/:aAgentUpper', status: 404 },
  { route: 'DELETE /api/rooms/:bRoom/agents/:aAgent', status: 404 },
  { route: 'POST /api/rooms', body: { name: 'B with A agent', agent_ids: [':aAgent'] }, status: 404 },
  { route: 'POST /api/rooms', body: { name: 'B with both agents', agent_ids: [':bAgent', ':aAgent2'] }, status: 404 },
  { route: 'PATCH /api/rooms/:bRoom', body: { agent_ids: [':bAgent', ':aAgent'] }, status: 404 },
  // messages
  { route: 'GET /api/rooms/:aRoom/messages', status: 404 },
  { route: 'GET /api/rooms/:aRoom2/messages', status: 404 },
  { route: 'POST /api/rooms/:aRoom/messages', body: { content: 'B was here' }, status: 404 },
  { route: 'POST /api/rooms/:aRoom/messages', body: { content: '@:aAgentName do something for B' }, status: 404 },
  // tasks
  { route: 'GET /api/rooms/:aRoom/tasks', status: 404 },
  { route: 'POST /api/rooms/:aRoom/tasks', body: { title: 'task by B' }, status: 404 },
  { route: 'PATCH /api/tasks/:aTask', body: { title: 'edited by B' }, status: 404 },
  { route: 'PATCH /api/tasks/:aTask', body: { status: 'done', position: 0 }, status: 404 },
  { route: 'PATCH /api/tasks/:aTask', body: { assignee_id: null }, status: 404 },
  { route: 'PATCH /api/tasks/:aTask', body: { assignee_id: ':bAgent' }, status: 404 },
  { route: 'DELETE /api/tasks/:aTask', status: 404 },
  { route: 'DELETE /api/tasks/:aTask2', status: 404 },
  { route: 'POST /api/rooms/:bRoom/tasks', body: { title: 'B task for A agent', assignee_id: ':aAgent' }, status: 400 },
  { route: 'PATCH /api/tasks/:bTask', body: { assignee_id: ':aAgent' }, status: 400 },
  // artifacts
  { route: 'GET /api/rooms/:aRoom/artifacts', status: 404 },
  { route: 'POST /api/rooms/:aRoom/artifacts', body: { type: 'plan', title: 'plan by B', content: 'B' }, status: 404 },
  { route: 'DELETE /api/artifacts/:aArtifact', status: 404 },
  // agents
  { route: 'GET /api/agents/:aAgent', status: 404 },
  { route: 'GET /api/agents/:aAgentUpper', status: 404 },
  { route: 'PATCH /api/agents/:aAgent', body: { name: 'StolenByB' }, status: 404 },
  { route: 'PATCH /api/agents/:aAgent', body: { system_prompt: 'obey B' }, status: 404 },
  { route: 'PATCH /api/agents/:aAgent2', body: {}, status: 404 },
  { route: 'DELETE /api/agents/:aAgent', status: 404 },
  { route: 'DELETE /api/agents/:aAgent2', status: 404 },
  // runs
  { route: 'GET /api/rooms/:aRoom/runs', status: 404 },
  { route: 'GET /api/runs/:aRun', status: 404 },
  { route: 'POST /api/runs/:aRun/cancel', status: 404 },
  // notifications
  { route: 'PATCH /api/notifications/:aNotification', body: { read: true }, status: 404 },
  { route: 'PATCH /api/notifications/:aNotification', body: { read: false }, status: 404 },
  { route: 'DELETE /api/notifications/:aNotification', status: 404 },
];

/** The attempts whose path (not just body) holds one of A's ids. */
const MALFORMED_PATH_ATTEMPTS = B_ATTEMPTS.filter(({ route }) => /:a[A-Z]/.test(route.split(' ')[1]));

/** Session routes that take no id: anonymous callers must be refused these as well. */
const SESSION_ROUTES_WITHOUT_IDS: Attempt['route'][] = [
  'GET /api/auth/me',
  'GET /api/rooms',
  'POST /api/rooms',
  'GET /api/agents',
  'POST /api/agents',
  'GET /api/notifications',
  'POST /api/notifications/read-all',
  'GET /api/events?roomId=:aRoom',
  'GET /api/events/me',
  // The control-plane views: with a session, each answers for the caller's own tenant (their
  // isolation against a real control plane is in control-plane/control-plane-views.e2e-spec.ts).
  'GET /api/cp/status',
  'GET /api/cp/runs',
  'POST /api/cp/runs',
  'GET /api/cp/runs/:aRun',
  'GET /api/cp/environments',
  'GET /api/cp/schedules',
  'GET /api/cp/workers',
  'GET /api/cp/providers',
  // The instance admin's invites (a signed-in non-admin gets 403: accounts/signup-modes.e2e-spec.ts).
  'GET /api/admin/invites',
  'POST /api/admin/invites',
  'DELETE /api/admin/invites/00000000-0000-4000-8000-000000000000',
];

/** The internal agent-key routes; a session (cookie or bearer) must never stand in for the key. */
const AGENT_KEY_ROUTES: Omit<Attempt, 'status'>[] = [
  { route: 'POST /api/agent/tasks', body: { room_id: ':aRoom', title: 'task via session' } },
  { route: 'GET /api/agent/tasks?roomId=:aRoom' },
  { route: 'PATCH /api/agent/tasks/:aTask', body: { title: 'edited via session' } },
  { route: 'POST /api/agent/tasks/:aTask', body: { title: 'edited via session' } },
  { route: 'POST /api/agent/messages', body: { room_id: ':aRoom', agent_id: ':aAgent', content: 'via session' } },
  { route: 'POST /api/agent/notifications', body: { room_id: ':aRoom', agent_id: ':aAgent', message: 'via session' } },
  { route: 'POST /api/agent-response', body: { taskId: ':aRun', response: 'via session' } },
];

const PUBLIC_SUFFIXES = ['', '/messages', '/tasks', '/artifacts'];

describe('workspace API tenant isolation', () => {
  let ws: WorkspaceHarness;
  let a: UserClient;
  let b: UserClient;
  const world = {} as World;
  /** Placeholder → value, for the route tables. */
  const values: Record<string, string> = {};
  /** Every identifier and secret of A's: none may reach B, an anonymous caller, or a stream of B's. */
  const aSecrets: string[] = [];
  /** A's private things a public viewer of A's shared room must not see either. */
  const aPrivate: string[] = [];
  let aAgentName = '';
  let before: Snapshot;

  // ---- helpers -------------------------------------------------------------------------------

  /** Replaces `:placeholder`s in a route or (recursively) in a body. */
  function fill<T>(value: T, using: Record<string, string> = values): T {
    if (typeof value === 'string') {
      return value.replace(/:([A-Za-z][A-Za-z0-9]*)/g, (whole, name: string) => {
        if (!(name in using)) throw new Error(`unknown placeholder ${whole}`);
        return using[name];
      }) as T;
    }
    if (Array.isArray(value)) return value.map((item) => fill(item, using)) as T;
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, using)])) as T;
    return value;
  }

  function parse(route: string, body?: unknown, using: Record<string, string> = values): { method: string; path: string; body: unknown } {
    const [method, path] = route.split(' ');
    return { method, path: fill(path, using), body: body === undefined ? undefined : fill(body, using) };
  }

  /** The placeholders with every id of A's swapped for an id that exists nowhere. */
  function missingInsteadOfA(): Record<string, string> {
    return swapA(() => randomUUID());
  }

  function swapA(replacement: () => string): Record<string, string> {
    const swapped = { ...values };
    for (const name of Object.keys(swapped)) if (/^a[A-Z]/.test(name) && name !== 'aAgentName') swapped[name] = replacement();
    return swapped;
  }

  /** A refusal with its ids blanked out, to compare one about A's ids with one about ids that do not exist. */
  const shape = (response: ApiResponse) => ({
    status: response.status,
    code: response.body?.code,
    message: String(response.body?.message).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>'),
  });

  /**
   * Which of `secrets` appear in `payload`, ignoring what the caller itself sent (`sent`): a not-found
   * message may echo the id it was asked about, which tells the caller nothing new.
   */
  function leaked(payload: unknown, sent = '', secrets = aSecrets): string[] {
    let text = (typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? '')).toLowerCase();
    const echoed = secrets.filter((s) => sent.toLowerCase().includes(s.toLowerCase()));
    for (const s of echoed) text = text.split(s.toLowerCase()).join('');
    return secrets.filter((s) => text.includes(s.toLowerCase()));
  }

  /** The body of a response that must have `status`; bodies are untyped JSON, as the harness gives them. */
  async function ok(response: Promise<ApiResponse>, status = 200): Promise<ApiResponse['body']> {
    const settled = await response;
    if (settled.status !== status) throw new Error(`expected ${status}, got ${settled.status}: ${JSON.stringify(settled.body)}`);
    return settled.body;
  }

  /** The internal agent route, with the real key: how external agents post notifications. */
  function agentRoute(method: string, path: string, body?: unknown) {
    return ws.request(method, path, { body, headers: { 'x-agent-key': TEST_AGENT_KEY } });
  }

  async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A's whole world as A sees it; compared before and after B's attempts. */
  async function snapshot(): Promise<Snapshot> {
    const perRoom: Snapshot['perRoom'] = {};
    for (const roomId of [world.aRoom, world.aRoom2]) {
      perRoom[roomId] = {
        room: await ok(a.request('GET', `/api/rooms/${roomId}`)),
        messages: await ok(a.request('GET', `/api/rooms/${roomId}/messages`)),
        tasks: await ok(a.request('GET', `/api/rooms/${roomId}/tasks`)),
        artifacts: await ok(a.request('GET', `/api/rooms/${roomId}/artifacts`)),
        runs: await ok(a.request('GET', `/api/rooms/${roomId}/runs`)),
      };
    }
    return {
      rooms: await ok(a.request('GET', '/api/rooms')),
      agents: await ok(a.request('GET', '/api/agents')),
      notifications: await ok(a.request('GET', '/api/notifications')),
      run: await ok(a.request('GET', `/api/runs/${world.aRun}`)),
      perRoom,
    };
  }

  const sse = (path: string, options: { session?: string; lastEventId?: string } = {}) => SseClient.open(`${ws.origin}${path}`, options);
  /**
   * Asks for a stream that should be refused. (SseClient.open would wait out its 10 s heartbeat timer
   * after a refusal.) A stream opened by mistake is cut at once: its 200 fails the test.
   */
  async function refusedStream(path: string, options: { session?: string; lastEventId?: string }): Promise<Pick<ApiResponse, 'status' | 'body'>> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.session) headers['cookie'] = `oz_session=${options.session}`;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const controller = new AbortController();
    const response = await fetch(`${ws.origin}${path}`, { headers, signal: controller.signal });
    if (response.ok) {
      controller.abort();
      return { status: response.status, body: null };
    }
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  }

  const eventText = (events: SseEvent[]) => JSON.stringify(events.filter((e) => e.event !== 'heartbeat'));

  // ---- A's world -----------------------------------------------------------------------------

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    a = await ws.signup(tag('Alice'));
    b = await ws.signup(tag('Bob'));

    aAgentName = tag('Alpha');
    const agent1 = await ok(a.request('POST', '/api/agents', { name: aAgentName, system_prompt: tag('prompt-'), repo_url: `https://example.com/${tag('repo')}` }), 201);
    const agent2 = await ok(a.request('POST', '/api/agents', { name: tag('Beta'), system_prompt: tag('prompt-') }), 201);
    const room = await ok(
      a.request('POST', '/api/rooms', { name: tag('room-'), description: tag('about-'), agent_ids: [agent1.id, agent2.id] }),
      201,
    );
    const room2 = await ok(a.request('POST', '/api/rooms', { name: tag('other-room-'), description: tag('about-'), agent_ids: [agent2.id] }), 201);
    const { message } = await ok(a.request('POST', `/api/rooms/${room.id}/messages`, { content: tag('hello-') }), 201);
    const { message: message2 } = await ok(a.request('POST', `/api/rooms/${room2.id}/messages`, { content: tag('private-note-') }), 201);
    const task = await ok(a.request('POST', `/api/rooms/${room.id}/tasks`, { title: tag('task-'), description: tag('detail-'), assignee_id: agent1.id }), 201);
    const task2 = await ok(a.request('POST', `/api/rooms/${room2.id}/tasks`, { title: tag('task-') }), 201);
    const artifact = await ok(a.request('POST', `/api/rooms/${room.id}/artifacts`, { type: 'plan', title: tag('plan-'), content: tag('plan-body-') }), 201);
    const shared = await ok(a.request('POST', `/api/rooms/${room.id}/share`));
    const notification = await ok(agentRoute('POST', '/api/agent/notifications', { room_id: room.id, agent_id: agent1.id, message: tag('notice-') }), 201);
    const posted = await ok(a.request('POST', `/api/rooms/${room.id}/messages`, { content: `@${aAgentName} ${tag('please-')}` }), 201);
    expect(posted.runs).toHaveLength(1);
    const run = posted.runs[0];
    // No provider is configured, so the run fails quickly; let it settle (its reply too) before snapshotting.
    await waitFor('A run to end', () => ok(a.request('GET', `/api/runs/${run.id}`)), (r) => !['QUEUED', 'INPROGRESS'].includes(r.state));
    await waitFor(
      'A reply to settle',
      () => ok(a.request('GET', `/api/rooms/${room.id}/messages`)),
      (page) => page.items.every((m: { status: string }) => m.status !== 'streaming'),
    );

    // B's own room, agent and task, to aim A's ids at through B's resources.
    const bAgent = await ok(b.request('POST', '/api/agents', { name: tag('Bravo') }), 201);
    const bRoom = await ok(b.request('POST', '/api/rooms', { name: tag('b-room-'), agent_ids: [bAgent.id] }), 201);
    const bTask = await ok(b.request('POST', `/api/rooms/${bRoom.id}/tasks`, { title: tag('b-task-') }), 201);

    Object.assign(world, {
      aRoom: room.id,
      aRoom2: room2.id,
      aAgent: agent1.id,
      aAgent2: agent2.id,
      aTask: task.id,
      aTask2: task2.id,
      aArtifact: artifact.id,
      aNotification: notification.id,
      aRun: run.id,
      aShare: shared.share_id,
      bRoom: bRoom.id,
      bAgent: bAgent.id,
      bTask: bTask.id,
    } satisfies World);
    Object.assign(values, world, { aRoomUpper: room.id.toUpperCase(), aAgentUpper: agent1.id.toUpperCase(), aAgentName });

    // A's private things: not even a viewer of A's shared room may see these.
    aPrivate.push(a.id, a.email, a.name, a.session, room2.id, room2.name, room2.description, message2.id, message2.content);
    aPrivate.push(task2.id, task2.title, notification.id, notification.message, agent1.system_prompt, agent2.system_prompt, agent1.repo_url);
    // Everything else of A's, which only A (and, for the shared room, its public viewers) may see.
    aSecrets.push(...aPrivate, agent1.id, agent1.name, agent2.id, agent2.name, room.id, room.name, room.description, message.id, message.content);
    aSecrets.push(task.id, task.title, task.description, artifact.id, artifact.title, artifact.content, shared.share_id, run.id, run.reply_message_id);
    aSecrets.push(posted.message.id, posted.message.content);
    // Each one distinctive enough that finding it in a response can only mean a leak.
    expect(aSecrets.map((s) => typeof s === 'string' && s.length >= 8)).not.toContain(false);

    before = await snapshot();
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
  });

  // ---- B against A's ids ---------------------------------------------------------------------

  describe("B aims every id route at A's things", () => {
    it.each(B_ATTEMPTS)('$route $body → $status', async ({ route, body, status }) => {
      const request = parse(route, body);
      const response = await b.request(request.method, request.path, request.body);

      expect({ route, status: response.status, body: response.body }).toMatchObject({ status });
      // A generic refusal: the same words whether the id is someone else's or does not exist.
      if (status === 404) {
        expect(response.body).toMatchObject({ status: 404, code: 'resource_not_found' });
        expect(response.body.message).toMatch(/^(Room|Agent|Task|Artifact|Run|Notification) \S+( in room \S+)? not found$/);
      } else {
        expect(response.body).toMatchObject({ status: 400, code: 'invalid_request' });
        expect(response.body.message).toMatch(/must be an agent of this room/);
      }
      expect(leaked(response.body, `${request.path} ${JSON.stringify(request.body ?? null)}`)).toEqual([]);

      // And exactly what B hears about ids that exist nowhere: nothing tells B that A's ids are real.
      const missing = parse(route, body, missingInsteadOfA());
      expect(shape(await b.request(missing.method, missing.path, missing.body))).toEqual(shape(response));
    });

    // Ids that are not ids at all must get the same plain 404, not a server error (the routes whose
    // path holds one of A's ids, with that id mangled; bodies stay valid).
    it.each(MALFORMED_PATH_ATTEMPTS)('$route $body, with a malformed id in the path → 404', async ({ route, body }) => {
      const [method, path] = route.split(' ');
      const response = await b.request(method, fill(path, swapA(() => 'not-a-uuid')), body === undefined ? undefined : fill(body));
      expect({ route, status: response.status }).toEqual({ route, status: 404 });
      expect(response.body).toMatchObject({ code: 'resource_not_found' });
    });

    it("B's event stream on A's rooms is refused as not found, with or without Last-Event-ID", async () => {
      for (const roomId of [world.aRoom, world.aRoom2]) {
        for (const lastEventId of [undefined, '0-0']) {
          const refused = await refusedStream(`/api/events?roomId=${roomId}`, { session: b.session, lastEventId });
          expect(refused.status).toBe(404);
          expect(refused.body).toMatchObject({ code: 'resource_not_found' });
          expect(leaked(refused.body, roomId)).toEqual([]);
        }
      }
    });

    it("B's own lists show nothing of A's", async () => {
      const rooms = await ok(b.request('GET', '/api/rooms'));
      expect(rooms.items.map((r: { id: string }) => r.id)).toEqual([world.bRoom]);
      // B's failed attempts to pull A's agents into B's room changed nothing there either.
      expect(rooms.items[0].agents.map((x: { id: string }) => x.id)).toEqual([world.bAgent]);

      const agents = await ok(b.request('GET', '/api/agents'));
      expect(agents.items.map((x: { id: string }) => x.id)).toEqual([world.bAgent]);

      const notifications = await ok(b.request('GET', '/api/notifications'));
      expect(notifications).toMatchObject({ items: [], unread_count: 0 });
      const unread = await ok(b.request('GET', '/api/notifications?unread=true'));
      expect(unread).toMatchObject({ items: [], unread_count: 0 });

      const tasks = await ok(b.request('GET', `/api/rooms/${world.bRoom}/tasks`));
      expect(tasks.items).toEqual([expect.objectContaining({ id: world.bTask, assignee: null })]);

      const me = await ok(b.request('GET', '/api/auth/me'));
      expect(me).toEqual({ id: b.id, name: b.name, email: b.email, is_admin: expect.any(Boolean) });

      for (const body of [rooms, agents, notifications, unread, tasks, me]) expect(leaked(body)).toEqual([]);
      for (const path of ['messages', 'artifacts', 'runs']) {
        expect(leaked(await ok(b.request('GET', `/api/rooms/${world.bRoom}/${path}`)))).toEqual([]);
      }
    });

    it("B's read-all marks only B's inbox", async () => {
      expect(await ok(b.request('POST', '/api/notifications/read-all'), 200)).toEqual({ updated: 0 });
    });

    it("mentioning A's agent by name in B's rooms invokes only B's agents", async () => {
      // A side room of B's, so B's main room (watched below) holds nothing that names A's things.
      const side = await ok(b.request('POST', '/api/rooms', { name: tag('b-side-') }), 201);
      // No agent of the room has that name: nobody is invoked.
      const posted = await ok(b.request('POST', `/api/rooms/${side.id}/messages`, { content: `@${aAgentName} are you there?` }), 201);
      expect(posted.runs).toEqual([]);

      // Names are per user: B may name an agent like A's (no conflict tells B the name is taken), and
      // the mention then reaches B's agent, never A's.
      const twin = await ok(b.request('POST', '/api/agents', { name: aAgentName }), 201);
      await ok(b.request('PUT', `/api/rooms/${side.id}/agents/${twin.id}`));
      const mention = await ok(b.request('POST', `/api/rooms/${side.id}/messages`, { content: `@${aAgentName} hello` }), 201);
      expect(mention.runs.map((r: { agent_id: string }) => r.agent_id)).toEqual([twin.id]);
      for (const body of [side, posted, twin, mention]) expect(leaked(body, aAgentName)).toEqual([]);
      await waitFor('B run to end', () => ok(b.request('GET', `/api/runs/${mention.runs[0].id}`)), (r) => !['QUEUED', 'INPROGRESS'].includes(r.state));
    });
  });

  // ---- no session, a forged one, and sessions on agent-key routes ----------------------------

  describe('authentication', () => {
    const everySessionRoute = [...new Set([...B_ATTEMPTS.map((x) => x.route), ...SESSION_ROUTES_WITHOUT_IDS])];

    it.each(everySessionRoute)('%s → 401 without a valid session', async (route) => {
      const { method, path } = parse(route);
      const body = ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined;
      const credentials: { label: string; session?: string; headers?: Record<string, string> }[] = [
        { label: 'anonymous' },
        { label: 'forged cookie', session: randomBytes(32).toString('base64url') },
        { label: 'garbage cookie', session: "'; DROP TABLE sessions; --" },
        { label: 'forged bearer', headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` } },
        // The agent key is no session: it opens only the agent routes.
        { label: 'agent key', headers: { 'x-agent-key': TEST_AGENT_KEY } },
      ];
      for (const { label, session, headers } of credentials) {
        const response = await ws.request(method, path, { body, session, headers });
        expect({ label, status: response.status }).toEqual({ label, status: 401 });
        expect(response.body).toMatchObject({ code: 'authentication_required' });
        expect(leaked(response.body, path)).toEqual([]);
      }
    });

    it("a logged-out session is dead, and an anonymous or logged-out stream on A's room is refused", async () => {
      const carol = await ws.signup(tag('Carol'));
      await ok(carol.request('POST', '/api/auth/logout'), 204);
      expect((await carol.request('GET', '/api/rooms')).status).toBe(401);

      for (const session of [undefined, carol.session]) {
        const refused = await refusedStream(`/api/events?roomId=${world.aRoom}`, { session });
        expect(refused.status).toBe(401);
        expect(leaked(refused.body, world.aRoom)).toEqual([]);
      }
    });

    it.each(AGENT_KEY_ROUTES)('$route is closed to sessions (agent key only)', async ({ route, body }) => {
      const request = parse(route, body);
      // Neither B's session nor even A's (the owner's) opens it, as a cookie or a bearer token.
      for (const user of [b, a]) {
        for (const options of [{ session: user.session }, { headers: { authorization: `Bearer ${user.session}` } }]) {
          const response = await ws.request(request.method, request.path, { body: request.body, ...options });
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ code: 'agent_key_required' });
          expect(leaked(response.body, request.path)).toEqual([]);
        }
      }
      const wrongKey = await ws.request(request.method, request.path, { body: request.body, session: b.session, headers: { 'x-agent-key': `${TEST_AGENT_KEY}x` } });
      expect(wrongKey.status).toBe(401);
      expect(wrongKey.body).toMatchObject({ code: 'agent_key_invalid' });
    });

    it("even with the agent key, ids must fit together: B's agent cannot act in A's room", async () => {
      const notify = await agentRoute('POST', '/api/agent/notifications', { room_id: world.aRoom, agent_id: world.bAgent, message: 'from B agent' });
      expect(notify.status).toBe(404);
      const create = await agentRoute('POST', '/api/agent/tasks', { room_id: world.aRoom, title: 'from B agent', created_by: world.bAgent });
      expect(create.status).toBe(400);
      const assign = await agentRoute('PATCH', `/api/agent/tasks/${world.aTask}`, { assignee_id: world.bAgent });
      expect(assign.status).toBe(400);
      const say = await agentRoute('POST', '/api/agent/messages', { room_id: world.aRoom, agent_id: world.bAgent, content: 'from B agent' });
      expect(say.status).toBe(404);
    });
  });

  // ---- A's world survived --------------------------------------------------------------------

  describe("A's world afterwards", () => {
    it("after all of that, A's world is exactly as it was", async () => {
      const after = await snapshot();
      expect(after).toEqual(before);
      // Spelled out, for the reader: the things B tried hardest to change.
      const room = after.perRoom[world.aRoom].room as { name: string; paused: boolean; share_id: string; agents: { id: string }[] };
      expect(room).toMatchObject({ paused: false, share_id: world.aShare });
      expect(room.agents.map((x) => x.id).sort()).toEqual([world.aAgent, world.aAgent2].sort());
      expect((after.perRoom[world.aRoom].tasks as { items: { id: string; assignee: { id: string } | null }[] }).items).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: world.aTask, assignee: expect.objectContaining({ id: world.aAgent }) })]),
      );
      expect((after.notifications as { items: unknown[]; unread_count: number }).items).toEqual([
        expect.objectContaining({ id: world.aNotification, read: false }),
      ]);
      expect(after.run).toMatchObject({ id: world.aRun, state: (before.run as { state: string }).state });
      expect((after.agents as { items: { name: string }[] }).items.map((x) => x.name)).toContain(aAgentName);
    });
  });

  // ---- event streams -------------------------------------------------------------------------

  describe('event streams', () => {
    it("B's stream of its own room carries none of A's events, however busy A is", async () => {
      const bStream = await sse(`/api/events?roomId=${world.bRoom}`, { session: b.session });
      // Replaying B's room from its very beginning must not reach into anyone else's history.
      const bReplay = await sse(`/api/events?roomId=${world.bRoom}`, { session: b.session, lastEventId: '0-0' });
      // A's own stream is the control: it proves A's events were published and delivered meanwhile.
      const aStream = await sse(`/api/events?roomId=${world.aRoom}`, { session: a.session });
      try {
        const fresh: string[] = [];
        const say = async (roomId: string) => {
          const content = tag('burst-');
          fresh.push(content);
          return ok(a.request('POST', `/api/rooms/${roomId}/messages`, { content }), 201);
        };
        for (let i = 0; i < 5; i++) await Promise.all([say(world.aRoom), say(world.aRoom2)]);
        const title = tag('burst-task-');
        fresh.push(title);
        const task = await ok(a.request('POST', `/api/rooms/${world.aRoom}/tasks`, { title, assignee_id: world.aAgent }), 201);
        await ok(a.request('PATCH', `/api/tasks/${task.id}`, { status: 'in_progress', position: 0 }));
        await ok(a.request('POST', `/api/rooms/${world.aRoom}/artifacts`, { type: 'document', title: tag('burst-doc-'), content: 'x' }), 201);
        const description = tag('burst-about-');
        fresh.push(description);
        await ok(a.request('PATCH', `/api/rooms/${world.aRoom}`, { description }));
        await ok(a.request('PATCH', `/api/agents/${world.aAgent}`, { color: '#112233' }));
        await ok(a.request('POST', `/api/rooms/${world.aRoom2}/pause`));
        await ok(a.request('POST', `/api/rooms/${world.aRoom2}/resume`));
        const notice = tag('burst-notice-');
        fresh.push(notice);
        await ok(agentRoute('POST', '/api/agent/notifications', { room_id: world.aRoom, agent_id: world.aAgent, message: notice }), 201);
        const mention = await ok(a.request('POST', `/api/rooms/${world.aRoom}/messages`, { content: `@${aAgentName} ${tag('burst-ask-')}` }), 201);
        fresh.push(mention.message.content);
        const last = await say(world.aRoom);
        await aStream.waitFor((e) => e.event === 'message' && e.data.id === last.message.id);
        await aStream.waitFor((e) => e.event === 'message' && e.data.id === mention.runs[0].reply_message_id && e.data.status !== 'streaming');

        // B's own write last: once B sees it, anything misrouted of A's would have arrived before it.
        const marker = await ok(b.request('POST', `/api/rooms/${world.bRoom}/messages`, { content: tag('b-marker-') }), 201);
        await bStream.waitFor((e) => e.event === 'message' && e.data.id === marker.message.id);
        await bReplay.waitFor((e) => e.event === 'message' && e.data.id === marker.message.id);
        await new Promise((resolve) => setTimeout(resolve, 300));

        const secrets = [...aSecrets, ...fresh];
        expect(leaked(aStream.events, '', fresh).length).toBeGreaterThan(0); // the control saw A's writes
        for (const stream of [bStream, bReplay]) {
          expect(stream.status).toBe(200);
          expect(leaked(eventText(stream.events), '', secrets)).toEqual([]);
          expect(stream.of('notification')).toEqual([]);
          for (const event of stream.received) {
            const roomId = event.data?.room_id ?? (event.event === 'room' ? event.data?.id : undefined);
            if (roomId !== undefined) expect({ event: event.event, roomId }).toEqual({ event: event.event, roomId: world.bRoom });
          }
        }
      } finally {
        for (const stream of [bStream, bReplay, aStream]) stream.close();
      }
    });
  });

  // ---- public share links --------------------------------------------------------------------

  describe('public share routes', () => {
    const publicPaths = (shareId: string) => PUBLIC_SUFFIXES.map((suffix) => `/api/public/rooms/${shareId}${suffix}`);

    it("show A's shared room to anyone, and nothing else of A's", async () => {
      for (const session of [undefined, b.session]) {
        const [room, messages, tasks, artifacts] = await Promise.all(publicPaths(world.aShare).map((path) => ws.request('GET', path, { session })));
        for (const response of [room, messages, tasks, artifacts]) {
          expect(response.status).toBe(200);
          expect(leaked(response.body, '', aPrivate)).toEqual([]);
        }
        // The room itself, without its share id, pause switch or anything of its owner.
        expect(room.body).toMatchObject({ id: world.aRoom });
        expect(room.body).not.toHaveProperty('share_id');
        expect(room.body).not.toHaveProperty('paused');
        expect(messages.body.items.every((m: { room_id: string }) => m.room_id === world.aRoom)).toBe(true);
        expect(messages.body.items.length).toBeGreaterThan(0);
        expect(tasks.body.items.map((t: { id: string }) => t.id)).toContain(world.aTask);
        expect(tasks.body.items.every((t: { room_id: string }) => t.room_id === world.aRoom)).toBe(true);
        expect(artifacts.body.items.map((x: { id: string }) => x.id)).toContain(world.aArtifact);
      }
    });

    it("A's public stream carries room events but no notifications", async () => {
      const stream = await sse(`/api/public/rooms/${world.aShare}/events`);
      try {
        const notice = tag('public-notice-');
        await ok(agentRoute('POST', '/api/agent/notifications', { room_id: world.aRoom, agent_id: world.aAgent, message: notice }), 201);
        const said = await ok(a.request('POST', `/api/rooms/${world.aRoom}/messages`, { content: tag('public-hello-') }), 201);
        await stream.waitFor((e) => e.event === 'message' && e.data.id === said.message.id);
        await ok(a.request('PATCH', `/api/rooms/${world.aRoom}`, { description: tag('public-about-') }));
        const roomEvent = await stream.waitFor((e) => e.event === 'room');
        expect(roomEvent.data).not.toHaveProperty('share_id');
        expect(stream.of('notification')).toEqual([]);
        expect(leaked(eventText(stream.events), '', [...aPrivate, notice, world.aShare])).toEqual([]);
      } finally {
        stream.close();
      }
    });

    it('a random, malformed or revoked share id is a plain 404', async () => {
      const room3 = await ok(a.request('POST', '/api/rooms', { name: tag('room3-') }), 201);
      const shared = await ok(a.request('POST', `/api/rooms/${room3.id}/share`));
      expect((await ws.request('GET', `/api/public/rooms/${shared.share_id}`)).status).toBe(200);
      await ok(a.request('DELETE', `/api/rooms/${room3.id}/share`));
      const reshared = await ok(a.request('POST', `/api/rooms/${room3.id}/share`));
      expect(reshared.share_id).not.toBe(shared.share_id);

      const unknown = [randomBytes(24).toString('base64url'), 'not a share id', world.aRoom, shared.share_id];
      for (const shareId of unknown) {
        for (const path of publicPaths(encodeURIComponent(shareId))) {
          const response = await ws.request('GET', path);
          expect({ path, status: response.status }).toEqual({ path, status: 404 });
          expect(response.body).toMatchObject({ code: 'resource_not_found' });
          expect(leaked(response.body, shareId, [...aSecrets, room3.id, room3.name, reshared.share_id])).toEqual([]);
        }
        const stream = await refusedStream(`/api/public/rooms/${encodeURIComponent(shareId)}/events`, {});
        expect(stream).toMatchObject({ status: 404, body: { code: 'resource_not_found' } });
      }
    });
  });
});
