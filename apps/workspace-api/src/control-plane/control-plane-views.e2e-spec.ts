import type { RunItem } from '@oz/contract';
import { connectScriptedWorker, createTestDatabase, queryOnce, startBuiltServer, startFakeOpenAiServer, type BuiltServer, type FakeLlmServer, type ScriptedWorker, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { SseClient, type SseEvent } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_AGENT_KEY, TEST_REDIS_URL, type ApiResponse, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

const WORKER_TOKEN = 'e2e-worker-token-0123456789';

/** A control plane (the built app, as a process) on its own database, answered by a fake provider. */
async function startControlPlane(provider: FakeLlmServer, adminKey: string, env: Record<string, string> = {}): Promise<{ cp: BuiltServer; database: TestDatabase }> {
  const database = await createTestDatabase('oz_ws_cp');
  const cp = await startBuiltServer('control-plane', {
    DATABASE_URL: database.url,
    OZ_ADMIN_API_KEY: adminKey,
    OZ_LOG_LEVEL: 'warn',
    OZ_WORKER_TOKEN: WORKER_TOKEN,
    OZ_DISPATCH_POLL_INTERVAL_MS: '200',
    OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
    OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
    OZ_PROVIDER_CUSTOM_STREAM: 'true',
    OZ_PROVIDER_CUSTOM_MSG_LIMIT: '100',
    OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '600',
    ...env,
  });
  return { cp, database };
}

const secretsKey = () => randomBytes(32).toString('base64');

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The dashboard's control-plane views (`/api/cp/*`) and the user's own live channel, against a real
 * control plane: each workspace user is a tenant of their own, the first account sees everything,
 * nobody reaches anyone else's runs, environments or schedules, and secrets never come back.
 */
describe('control-plane views, one tenant per user', () => {
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  let provider: FakeLlmServer;
  let cp: BuiltServer;
  let cpDatabase: TestDatabase;
  let ws: WorkspaceHarness;
  let ada: UserClient;
  let bob: UserClient;
  let eve: UserClient;
  /** Every answer the tests saw, to look for secrets in at the end. */
  const seen: string[] = [];
  const call = async (user: UserClient, method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const response = await user.request(method, path, body);
    seen.push(JSON.stringify(response.body));
    return response;
  };
  const runOf = (user: UserClient, runId: string) => call(user, 'GET', `/api/cp/runs/${runId}`);
  const finished = (user: UserClient, runId: string) =>
    until(
      () => runOf(user, runId),
      (r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.body?.state),
    );

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ({ cp, database: cpDatabase } = await startControlPlane(provider, adminKey));
    ws = await startWorkspace({
      REDIS_URL: TEST_REDIS_URL,
      OZ_RUNNER_MODE: 'remote',
      OZ_API_BASE_URL: `${cp.origin}/api/v1`,
      OZ_API_KEY: adminKey,
      OZ_SECRETS_KEY: secretsKey(),
      OZ_CP_POLL_INTERVAL_MS: '200',
      OZ_SSE_HEARTBEAT_MS: '500',
    });
    ada = await ws.signup('Ada');
    bob = await ws.signup('Bob');
    eve = await ws.signup('Eve');
  }, 120_000);

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await cp?.stop();
    await cpDatabase?.drop();
    await provider?.close();
  });

  afterEach(() => provider.reset());

  it('tells each user what they may see: the first account is the instance admin', async () => {
    expect((await call(ada, 'GET', '/api/cp/status')).body).toEqual({ connected: true, runner_mode: 'remote', admin: true, reason: null });
    expect((await call(bob, 'GET', '/api/cp/status')).body).toEqual({ connected: true, runner_mode: 'remote', admin: false, reason: null });
    expect((await ws.request('GET', '/api/cp/status')).status).toBe(401);
  });

  it('runs a user\'s run as their own tenant: they see it, another user gets 404s, the admin sees everyone\'s', async () => {
    provider.enqueue({ kind: 'answer', chunks: ['Forty', '-two.'] });
    const created = await call(bob, 'POST', '/api/cp/runs', { prompt: 'What is the answer?', title: 'Bob asks' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ run_id: expect.any(String), state: 'QUEUED' });
    const runId = created.body.run_id as string;

    const done = await finished(bob, runId);
    expect(done.body).toMatchObject({ run_id: runId, state: 'SUCCEEDED', output: 'Forty-two.', title: 'Bob asks' });
    // Bob's own tenant made it, not the workspace's admin key.
    expect(done.body.creator.uid).toMatch(/^tenant_[0-9a-f]{16}$/);
    const list = await call(bob, 'GET', '/api/cp/runs?limit=10');
    expect(list.body.runs.map((r: RunItem) => r.run_id)).toEqual([runId]);
    expect(list.body.runs[0].output).toBeNull();

    for (const [method, path] of [
      ['GET', `/api/cp/runs/${runId}`],
      ['POST', `/api/cp/runs/${runId}/cancel`],
      ['GET', `/api/cp/runs/${runId}/logs`],
    ] as const) {
      const answer = await call(eve, method, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(JSON.stringify(answer.body)).not.toContain('Forty');
    }
    expect((await call(eve, 'GET', '/api/cp/runs')).body.runs).toEqual([]);
    expect((await call(eve, 'GET', `/api/cp/runs?q=answer`)).body.runs).toEqual([]);

    const everyone = await call(ada, 'GET', '/api/cp/runs');
    expect(everyone.body.runs.map((r: RunItem) => r.run_id)).toContain(runId);
    expect((await runOf(ada, runId)).body.output).toBe('Forty-two.');
  });

  it('keeps each user\'s token sealed in the database and never hands it out', async () => {
    const rows = await queryOnce<{ user_id: string; token_sealed: string }>(ws.database.url, `SELECT user_id, token_sealed FROM workspace.control_plane_tenants`);
    expect(rows.map((r) => r.user_id).sort()).toEqual([bob.id, eve.id].sort());
    for (const row of rows) {
      expect(row.token_sealed).toMatch(/^v2\./);
      expect(row.token_sealed).not.toContain('oz_ws_');
    }
    // The admin uses the admin key and has no tenant row; no answer ever held a token.
    expect(seen.join('\n')).not.toContain('oz_ws_');
    expect(seen.join('\n')).not.toContain(adminKey);
  });

  it('runs a user\'s agents as their own tenant: the runs are theirs, and another user\'s environment is out of their agents\' reach', async () => {
    const scribe = (await call(bob, 'POST', '/api/agents', { name: 'Scribe', harness: 'custom' })).body;
    const room = (await call(bob, 'POST', '/api/rooms', { name: 'notes', agent_ids: [scribe.id] })).body;
    provider.enqueue({ kind: 'answer', text: 'Noted.' });
    const posted = (await call(bob, 'POST', `/api/rooms/${room.id}/messages`, { content: '@Scribe note this' })).body;
    const reply = await until(
      () => call(bob, 'GET', `/api/runs/${posted.runs[0].id}`),
      (r) => !['QUEUED', 'INPROGRESS'].includes(r.body.state),
    );
    expect(reply.body.state).toBe('SUCCEEDED');
    const remote = reply.body.remote_run_id as string;
    expect((await runOf(bob, remote)).body).toMatchObject({ state: 'SUCCEEDED', output: 'Noted.', title: 'Scribe in the workspace' });
    expect((await runOf(eve, remote)).status).toBe(404);

    // Eve names Bob's environment in her agent: the control plane knows it only in Bob's tenant.
    const environment = (await call(bob, 'POST', '/api/cp/environments', { name: 'bob only', docker_image: 'busybox', env_vars: { KEY: 'bobs' } })).body.id as string;
    const spy = (await call(eve, 'POST', '/api/agents', { name: 'Spy', harness: 'custom', environment_id: environment })).body;
    const spying = (await call(eve, 'POST', '/api/rooms', { name: 'spying', agent_ids: [spy.id] })).body;
    const attempt = (await call(eve, 'POST', `/api/rooms/${spying.id}/messages`, { content: '@Spy run there' })).body;
    const refused = await until(
      () => call(eve, 'GET', `/api/runs/${attempt.runs[0].id}`),
      (r) => !['QUEUED', 'INPROGRESS'].includes(r.body.state),
    );
    expect(refused.body.state).toBe('FAILED');
    expect(refused.body.error).toContain(`Environment ${environment} not found`);
    expect((await call(bob, 'DELETE', `/api/cp/environments/${environment}`)).status).toBe(204);
  });

  it('cancels a user\'s run and answers the run as it now is; a finished run is a 400 with the control plane\'s words', async () => {
    provider.enqueue({ kind: 'hang' });
    const runId = (await call(bob, 'POST', '/api/cp/runs', { prompt: 'Take your time' })).body.run_id;
    await until(() => runOf(bob, runId), (r) => r.body.state === 'INPROGRESS');
    const cancelled = await call(bob, 'POST', `/api/cp/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ run_id: runId, state: 'CANCELLED' });
    const again = await call(bob, 'POST', `/api/cp/runs/${runId}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body.message).toContain('already finished');
  });

  it('passes the control plane\'s own validation through, and refuses ids that are not ids without calling it', async () => {
    const bad = await call(bob, 'POST', '/api/cp/runs', { prompt: 'x', config: { model_id: '--oops' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('model_id');
    expect((await call(bob, 'POST', '/api/cp/runs', { prompt: 'x', config: 'nope' })).status).toBe(400);
    expect((await call(bob, 'GET', '/api/cp/runs?state=DONE')).status).toBe(400);
    for (const path of ['/api/cp/runs/not-a-run', '/api/cp/runs/..%2F..%2Fadmin%2Fproviders', '/api/cp/environments/..', '/api/cp/schedules/%2e%2e']) {
      const answer = await call(bob, 'GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });

  it('keeps environment secrets write-only: every answer says "<redacted>", and another user cannot reach the environment', async () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`;
    const created = await call(bob, 'POST', '/api/cp/environments', { name: 'node', docker_image: 'node:22', env_vars: { TOKEN: secret, OTHER: 'x-value' } });
    expect(created.status).toBe(201);
    expect(created.body.env_vars).toEqual({ TOKEN: '<redacted>', OTHER: '<redacted>' });
    const id = created.body.id as string;

    expect((await call(bob, 'GET', '/api/cp/environments')).body.environments.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await call(bob, 'GET', `/api/cp/environments/${id}`)).body.env_vars).toEqual({ TOKEN: '<redacted>', OTHER: '<redacted>' });

    // "<redacted>" keeps a secret, a name left out deletes it.
    const updated = await call(bob, 'PUT', `/api/cp/environments/${id}`, { name: 'node 22', docker_image: 'node:22', env_vars: { TOKEN: '<redacted>' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'node 22', env_vars: { TOKEN: '<redacted>' } });

    expect((await call(eve, 'GET', '/api/cp/environments')).body.environments).toEqual([]);
    for (const [method, body] of [['GET'], ['PUT', { name: 'mine now', docker_image: 'alpine' }], ['DELETE']] as const) {
      expect((await call(eve, method, `/api/cp/environments/${id}`, body)).status).toBe(404);
    }
    // Another user cannot start a run in it either.
    const borrowed = await call(eve, 'POST', '/api/cp/runs', { prompt: 'use their secrets', config: { environment_id: id } });
    expect(borrowed.status).toBe(404);

    expect((await call(bob, 'DELETE', `/api/cp/environments/${id}`)).status).toBe(204);
    expect((await call(bob, 'GET', `/api/cp/environments/${id}`)).status).toBe(404);
    expect(seen.join('\n')).not.toContain(secret);
  });

  it('manages a user\'s schedules, paused and resumed, and nobody else sees them', async () => {
    const created = await call(bob, 'POST', '/api/cp/schedules', { name: 'nightly', cron_schedule: '0 3 * * *', prompt: 'Tidy up' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.history.next_run).toEqual(expect.any(String));
    expect((await call(bob, 'POST', `/api/cp/schedules/${id}/pause`)).body).toMatchObject({ enabled: false, history: { next_run: null } });
    expect((await call(bob, 'POST', `/api/cp/schedules/${id}/resume`)).body.enabled).toBe(true);
    const replaced = await call(bob, 'PUT', `/api/cp/schedules/${id}`, { name: 'nightly tidy', cron_schedule: '0 4 * * *', prompt: 'Tidy up more', enabled: true });
    expect(replaced.body).toMatchObject({ name: 'nightly tidy', cron_schedule: '0 4 * * *' });
    expect((await call(bob, 'POST', '/api/cp/schedules', { name: 'bad', cron_schedule: 'every day', prompt: 'x' })).status).toBe(400);

    expect((await call(eve, 'GET', '/api/cp/schedules')).body.schedules).toEqual([]);
    expect((await call(eve, 'GET', `/api/cp/schedules/${id}`)).status).toBe(404);
    expect((await call(eve, 'POST', `/api/cp/schedules/${id}/pause`)).status).toBe(404);
    expect((await call(eve, 'DELETE', `/api/cp/schedules/${id}`)).status).toBe(404);
    expect((await call(bob, 'GET', '/api/cp/schedules')).body.schedules.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await call(bob, 'DELETE', `/api/cp/schedules/${id}`)).body).toEqual({ success: true });
  });

  it('shows workers and providers to the instance admin only', async () => {
    for (const path of ['/api/cp/workers', '/api/cp/providers']) {
      const refused = await call(bob, 'GET', path);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('admin_only');
    }
    const providers = await call(ada, 'GET', '/api/cp/providers');
    expect(providers.status).toBe(200);
    const custom = providers.body.providers.find((p: { key: string }) => p.key === 'custom');
    expect(custom).toMatchObject({ usable: true, quota: { limit: 100, window_seconds: 600 } });
    // The runs above were calls in the window: the chart's buckets count them.
    expect(custom.usage.bucket_seconds).toBe(20);
    expect(custom.usage.calls).toHaveLength(30);
    expect(custom.usage.calls.reduce((a: number, b: number) => a + b, 0)).toBe(custom.quota.used);
    expect(custom.quota.used).toBeGreaterThan(0);
  });

  it('shows the admin each connected worker with the runs it holds; the worker\'s log reaches the run\'s owner live', async () => {
    let worker: ScriptedWorker | null = null;
    const channel = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session });
    const admins = await SseClient.open(`${ws.origin}/api/events/me`, { session: ada.session });
    try {
      worker = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'build-7');
      const env = (await call(bob, 'POST', '/api/cp/environments', { name: 'worker env', docker_image: 'busybox' })).body.id as string;
      const runId = (await call(bob, 'POST', '/api/cp/runs', { prompt: 'On a worker', config: { environment_id: env } })).body.run_id as string;
      const assignment = await worker.next('task_assignment');
      expect(assignment.task_id).toBe(runId);
      await worker.send('task_claimed', { task_id: runId, worker_id: 'build-7', execution_id: assignment.execution_id });
      await worker.send('task_started', { task_id: runId, execution_id: assignment.execution_id });
      await until(() => runOf(bob, runId), (r) => r.body.state === 'INPROGRESS');

      const workers = await call(ada, 'GET', '/api/cp/workers');
      expect(workers.body.workers).toEqual([
        { worker_id: 'build-7', connections: 1, connected_at: expect.any(String), last_seen_at: expect.any(String), running: [{ run_id: runId, title: 'On a worker', state: 'INPROGRESS', started_at: expect.any(String) }] },
      ]);
      expect((await runOf(bob, runId)).body.worker_id).toBe('build-7');
      await admins.waitFor((e) => e.event === 'workers' && e.data.workers.some((w: { running: { run_id: string }[] }) => w.running.some((r) => r.run_id === runId)), 15_000);

      await worker.send('task_log', { task_id: runId, execution_id: assignment.execution_id, lines: ['cloning acme/app', 'npm ci'] });
      const logged = await channel.waitFor((e) => e.event === 'run_log' && e.data.run_id === runId, 15_000);
      expect(logged.data.lines.map((l: { line: string }) => l.line)).toEqual(['cloning acme/app', 'npm ci']);
      const page = await call(bob, 'GET', `/api/cp/runs/${runId}/logs?after=0`);
      expect(page.body.lines.map((l: { line: string }) => l.line)).toEqual(['cloning acme/app', 'npm ci']);

      await worker.send('task_completed', { task_id: runId, execution_id: assignment.execution_id, output: 'worked' });
      await channel.waitFor((e) => e.event === 'run' && e.data.run_id === runId && e.data.state === 'SUCCEEDED', 15_000);
    } finally {
      channel.close();
      admins.close();
      await worker?.close();
    }
  });

  it('streams a user\'s runs on their own channel: each state once and in order, the output as deltas; nothing of theirs reaches another user', async () => {
    const bobs = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session });
    const eves = await SseClient.open(`${ws.origin}/api/events/me`, { session: eve.session });
    const pieces = ['The plan: ', 'one, ', 'two, ', 'three.'];
    provider.enqueue({ kind: 'answer', chunks: pieces, chunkDelayMs: 700 });
    const runId = (await call(bob, 'POST', '/api/cp/runs', { prompt: 'Plan it', title: 'Live one' })).body.run_id as string;

    await bobs.waitFor((e) => e.event === 'run' && e.data.run_id === runId && e.data.state === 'SUCCEEDED', 20_000);
    const runEvents = bobs.of('run').filter((e) => e.data.run_id === runId);
    const states = runEvents.map((e) => e.data.state).filter((state, i, all) => i === 0 || all[i - 1] !== state);
    expect(states).toEqual(expect.arrayContaining(['INPROGRESS', 'SUCCEEDED']));
    expect(states.at(-1)).toBe('SUCCEEDED');
    expect(runEvents.every((e) => e.data.output === null)).toBe(true);
    // Each change once: no two events carry the same updated_at.
    const stamps = runEvents.map((e) => e.data.updated_at);
    expect(new Set(stamps).size).toBe(stamps.length);
    await bobs.waitFor((e) => e.event === 'run_output' && e.data.run_id === runId && applyDeltas(bobs.events, runId) === pieces.join(''), 10_000);
    // It streamed: the output arrived in more than one piece.
    expect(bobs.of('run_output').filter((e) => e.data.run_id === runId).length).toBeGreaterThan(1);

    // Eve's channel is live (heartbeats) but carries nothing of Bob's.
    await eves.waitFor((e) => e.event === 'heartbeat' && eves.events.indexOf(e) > 2, 10_000);
    expect(JSON.stringify(eves.received)).not.toContain(runId);
    expect(JSON.stringify(eves.received)).not.toContain('The plan');
    bobs.close();
    eves.close();
  });

  it('replays what a user missed on their channel when they come back with Last-Event-ID', async () => {
    const first = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session });
    const room = (await call(bob, 'POST', '/api/rooms', { name: 'before' })).body;
    const seenRoom = await first.waitFor((e) => e.event === 'rooms' && e.data.id === room.id);
    first.close();
    await first.ended;
    const later = (await call(bob, 'POST', '/api/rooms', { name: 'while away' })).body;
    const resumed = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session, lastEventId: seenRoom.id! });
    await resumed.waitFor((e) => e.event === 'rooms' && e.data.id === later.id);
    expect(resumed.of('rooms').map((e) => e.data.name)).toEqual(['while away']);
    resumed.close();
  });

  it('brings a notification from any of the user\'s rooms to their channel, and to nobody else\'s', async () => {
    const agent = (await call(bob, 'POST', '/api/agents', { name: 'Pinger', harness: 'custom' })).body;
    const room = (await call(bob, 'POST', '/api/rooms', { name: 'pings', agent_ids: [agent.id] })).body;
    const bobs = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session });
    const eves = await SseClient.open(`${ws.origin}/api/events/me`, { session: eve.session });
    const sent = await ws.request('POST', '/api/agent/notifications', { body: { room_id: room.id, agent_id: agent.id, message: 'Build is green' }, headers: { 'x-agent-key': TEST_AGENT_KEY } });
    expect(sent.status).toBe(201);
    const event = await bobs.waitFor((e) => e.event === 'notification');
    expect(event.data).toMatchObject({ room_id: room.id, message: 'Build is green', read: false });
    await eves.waitFor((e) => e.event === 'heartbeat' && eves.events.indexOf(e) > 2);
    expect(eves.of('notification')).toHaveLength(0);
    bobs.close();
    eves.close();
  });

  it('delivers each run change once to a user watching from two replicas (one replica polls, Redis carries it)', async () => {
    const other = await startWorkspace({ ...envOf(ws), OZ_CP_POLL_INTERVAL_MS: '200', OZ_SSE_HEARTBEAT_MS: '500' }, ws.database);
    try {
      const onA = await SseClient.open(`${ws.origin}/api/events/me`, { session: bob.session });
      const onB = await SseClient.open(`${other.origin}/api/events/me`, { session: bob.session });
      provider.enqueue({ kind: 'answer', chunks: ['A', 'B', 'C'], chunkDelayMs: 400 });
      const runId = (await call(bob, 'POST', '/api/cp/runs', { prompt: 'Twice watched' })).body.run_id as string;
      for (const client of [onA, onB]) await client.waitFor((e) => e.event === 'run' && e.data.run_id === runId && e.data.state === 'SUCCEEDED', 20_000);
      const changes = (client: SseClient) => client.of('run').filter((e) => e.data.run_id === runId).map((e) => `${e.id} ${e.data.updated_at}`);
      // The same events, with the same ids, on both replicas; no change twice.
      expect(changes(onA)).toEqual(changes(onB));
      const stamps = changes(onA).map((c) => c.split(' ')[1]);
      expect(new Set(stamps).size).toBe(stamps.length);
      onA.close();
      onB.close();
    } finally {
      await other.close();
    }
  });

  function envOf(harness: WorkspaceHarness): Record<string, string> {
    const { runner } = harness.config;
    if (runner.mode !== 'remote') throw new Error('remote mode expected');
    return {
      REDIS_URL: TEST_REDIS_URL,
      OZ_RUNNER_MODE: 'remote',
      OZ_API_BASE_URL: runner.apiBaseUrl,
      OZ_API_KEY: runner.apiKey,
      OZ_SECRETS_KEY: harness.config.secretsKey!.toString('base64'),
    };
  }
});

/** The output a page would show after applying every `run_output` of a run, in order. */
function applyDeltas(events: SseEvent[], runId: string): string {
  let output = '';
  for (const event of events) {
    if (event.event !== 'run_output' || event.data.run_id !== runId) continue;
    if (event.data.offset > output.length) continue;
    output = output.slice(0, event.data.offset) + event.data.delta;
  }
  return output;
}

describe('control-plane views under registered tenancy', () => {
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  let provider: FakeLlmServer;
  let cp: BuiltServer;
  let cpDatabase: TestDatabase;
  let ws: WorkspaceHarness;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    ({ cp, database: cpDatabase } = await startControlPlane(provider, adminKey, { OZ_TENANCY: 'registered' }));
    ws = await startWorkspace({ OZ_RUNNER_MODE: 'remote', OZ_API_BASE_URL: `${cp.origin}/api/v1`, OZ_API_KEY: adminKey, OZ_SECRETS_KEY: secretsKey() });
  }, 120_000);

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await cp?.stop();
    await cpDatabase?.drop();
    await provider?.close();
  });

  it('registers a user\'s token with the control plane on first use, through the admin key, once', async () => {
    await ws.signup('Admin');
    const user = await ws.signup('Tess');
    const first = await user.request('GET', '/api/cp/runs');
    expect(first.status).toBe(200);
    expect((await user.request('GET', '/api/cp/environments')).status).toBe(200);
    const keys = await (await fetch(`${cp.origin}/api/v1/admin/tenant-keys`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
    expect(keys.tenant_keys.filter((k: { name: string }) => k.name === `workspace: ${user.email}`)).toHaveLength(1);
    const [row] = await queryOnce<{ registered_at: Date | null }>(ws.database.url, `SELECT registered_at FROM workspace.control_plane_tenants WHERE user_id = '${user.id}'`);
    expect(row.registered_at).not.toBeNull();
  });

  it('says why the views are unavailable when the workspace has no OZ_SECRETS_KEY to keep tenant tokens with', async () => {
    const keyless = await startWorkspace({ OZ_RUNNER_MODE: 'remote', OZ_API_BASE_URL: `${cp.origin}/api/v1`, OZ_API_KEY: adminKey, OZ_SECRETS_KEY: '' });
    try {
      await keyless.signup('Ann'); // the instance admin, who needs no tenant token
      const session = await keyless.signup('Kim');
      const status = await session.request('GET', '/api/cp/status');
      expect(status.body).toMatchObject({ connected: false, runner_mode: 'remote', admin: false });
      expect(status.body.reason).toContain('OZ_SECRETS_KEY');
      const runs = await session.request('GET', '/api/cp/runs');
      expect(runs.status).toBe(503);
      expect(runs.body.message).toContain('OZ_SECRETS_KEY');
    } finally {
      await closeAll([keyless], keyless.database);
    }
  });
});

describe('control-plane views in local runner mode', () => {
  let ws: WorkspaceHarness;

  beforeAll(async () => {
    ws = await startWorkspace();
  });

  afterAll(() => closeAll([ws], ws?.database));

  it('says there is no control plane, in words, and the routes answer 409', async () => {
    const user = await ws.signup('Lou');
    const status = await user.request('GET', '/api/cp/status');
    expect(status.body).toMatchObject({ connected: false, runner_mode: 'local', admin: true });
    expect(status.body.reason).toContain('OZ_RUNNER_MODE=local');
    const runs = await user.request('GET', '/api/cp/runs');
    expect(runs.status).toBe(409);
    expect(runs.body.code).toBe('control_plane_not_connected');
  });
});
