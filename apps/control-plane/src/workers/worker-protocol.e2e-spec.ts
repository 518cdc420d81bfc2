import { queryOnce, connectScriptedWorker, upgradeStatus, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { auditRunTransitions } from '../testing/run-audit';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'worker-token-0123456789abcdef';

/**
 * The worker channel driven by scripted workers that send exactly the official worker's messages
 * (and, where marked, the older variants and our extensions): assignment, claim, completion,
 * failure, rejection, cancellation, claim deadlines and lost workers.
 */
describe('the self-hosted worker protocol', () => {
  let cp: ControlPlaneHarness;
  let transitionsOf: Awaited<ReturnType<typeof auditRunTransitions>>;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('worker-test');
  let environmentId: string;

  beforeAll(async () => {
    cp = await startControlPlane({
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_WORKER_SIDECAR_IMAGE: 'oz-sidecar:test',
      OZ_WORKER_CLAIM_TIMEOUT_SECONDS: '1',
      OZ_WORKER_LEASE_SECONDS: '5',
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
    });
    transitionsOf = await auditRunTransitions(cp.database.url);
    const response = await cp.request('/api/v1/environments', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'node-env',
        docker_image: 'oz-task:test',
        repos: ['file:///srv/repos/app.git'],
        setup_commands: ['npm ci', 'npm run build'],
        env_vars: { API_TOKEN: 'secret-value-1', REGION: 'eu' },
      }),
    });
    environmentId = ((await response.json()) as { id: string }).id;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    // Unfinished runs of one test would be offered to the next test's workers.
    const { runs } = await cp.sdk(token).agent.runs.list({ state: ['PENDING', 'CLAIMED', 'INPROGRESS'], limit: 100 });
    await Promise.all(runs.map((run) => cp.sdk(token).agent.runs.cancel(run.run_id)));
  });
  afterAll(() => cp.close());

  async function worker(workerId: string, query: Record<string, string> = {}, credential = WORKER_TOKEN): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, credential, workerId, query);
    workers.push(connected);
    return connected;
  }

  const createRun = async (prompt: string, config: Record<string, unknown> = {}) =>
    (await cp.sdk(token).agent.run({ prompt, config: { environment_id: environmentId, ...config } })).run_id;

  describe('the upgrade', () => {
    it.each([
      ['no token', {}, 'worker_id=w1', 401],
      ['a tenant token', { authorization: `Bearer ${token}` }, 'worker_id=w1', 403],
      ['no worker_id', { authorization: `Bearer ${WORKER_TOKEN}` }, '', 400],
      ['a reserved worker_id', { authorization: `Bearer ${WORKER_TOKEN}` }, 'worker_id=warp-hosted', 400],
    ])('is refused with an HTTP status for %s, before any WebSocket opens', async (_, headers, query, status) => {
      expect(await upgradeStatus(cp.origin, headers as Record<string, string>, query)).toBe(status);
    });

    it('is accepted for the worker token and for the admin key', async () => {
      await expect(worker('with-token')).resolves.toBeDefined();
      await expect(worker('with-admin-key', {}, cp.adminKey)).resolves.toBeDefined();
    });
  });

  it('assigns a new run to a connected worker with the environment resolved, and follows it to SUCCEEDED', async () => {
    const w = await worker('builder-1');
    const runId = await createRun('Fix the login bug');
    const assignment = await w.next('task_assignment');
    expect(assignment).toMatchObject({
      task_id: runId,
      task: { id: runId, task_definition: { prompt: 'Fix the login bug' }, agent_config_snapshot: { environment_id: environmentId } },
      docker_image: 'oz-task:test',
      sidecar_image: 'oz-sidecar:test',
      env_vars: {
        OZ_TASK_PROMPT: 'Fix the login bug',
        OZ_ENV_REPOS: 'file:///srv/repos/app.git',
        OZ_ENV_SETUP_COMMANDS: 'npm ci\nnpm run build',
        OZ_ENV_VARS: 'API_TOKEN=secret-value-1\nREGION=eu',
        OZ_TASK_TOKEN: expect.stringMatching(/^oz_task_[A-Za-z0-9_-]{43}$/),
      },
    });
    // The secret reaches the worker and nowhere else.
    expect(JSON.stringify(await retrieveRun(cp.sdk(token), runId))).not.toContain('secret-value-1');

    await w.send('task_claimed', { task_id: runId, worker_id: 'builder-1' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
    await w.send('task_started', { task_id: runId });
    const running = await waitForRun(cp.sdk(token), runId, inState('INPROGRESS'));
    expect(running.is_sandbox_running).toBe(true);
    await w.send('task_log', { task_id: runId, lines: ['cloning…', 'running the agent', 'a NUL\u0000 byte', 'x'.repeat(20_000)] });
    await w.send('task_completed', {
      task_id: runId,
      message: 'Task completed successfully',
      output: 'Fixed it. PR: https://github.com/acme/app/pull/12 (branch: fix/login)',
    });

    const run = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED'));
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: 'Fixed it. PR: https://github.com/acme/app/pull/12 (branch: fix/login)',
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/12', branch: 'fix/login' } }],
      is_sandbox_running: false,
    });
    expect((await transitionsOf(runId)).map((t) => t.to)).toEqual(['CLAIMED', 'INPROGRESS', 'SUCCEEDED']);
    const logs = await (await cp.request(`/api/v1/agent/runs/${runId}/logs`, { token })).json();
    expect(logs.lines.map((l: { line: string }) => l.line)).toEqual(['cloning…', 'running the agent', 'a NUL byte', `${'x'.repeat(8_192)}…`]);
    // The task token died with the run.
    const [row] = await queryOnce<{ task_token_hash: string | null }>(cp.database.url, `SELECT task_token_hash FROM runs WHERE id = '${runId}'`);
    expect(row?.task_token_hash).toBeNull();
  });

  it('handles the official worker’s plain messages: claim, then completion with no output (the log tail stands in)', async () => {
    const w = await worker('official-1');
    const runId = await createRun('plain official flow');
    await w.next('task_assignment');
    await w.send('task_claimed', { task_id: runId, worker_id: 'official-1' });
    // Many log messages right before the completion: they are handled in order, so all are in the tail.
    for (let i = 0; i < 20; i++) await w.send('task_log', { task_id: runId, lines: [`step ${i}`] });
    await w.send('task_log', { task_id: runId, lines: ['see https://github.com/acme/app/pull/99'] });
    await w.send('task_completed', { task_id: runId, message: 'Task completed successfully' });
    const run = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED'));
    const lines = [...Array.from({ length: 20 }, (_, i) => `step ${i}`), 'see https://github.com/acme/app/pull/99'];
    expect(run).toMatchObject({ state: 'SUCCEEDED', output: lines.join('\n') });
    expect(run.artifacts).toHaveLength(1);
  });

  it.each([
    ['a current worker', { message: 'Failed to execute task: exit status 3', failure_reason: 'container_exit', exit_code: 3 }, 'Failed to execute task: exit status 3 (container_exit, exit code 3)'],
    ['an older worker (message only)', { message: 'Failed to execute task: image not found' }, 'Failed to execute task: image not found'],
  ])('fails the run with the reason %s gives', async (_, failure, expected) => {
    const w = await worker('failing-1');
    const runId = await createRun('this will fail');
    await w.next('task_assignment');
    await w.send('task_claimed', { task_id: runId, worker_id: 'failing-1' });
    await w.send('task_failed', { task_id: runId, ...failure });
    const run = await waitForRun(cp.sdk(token), runId, inState('FAILED', 'SUCCEEDED'));
    expect(run.state).toBe('FAILED');
    expect(run.status_message?.message).toBe(expected);
  });

  it('handles every message idempotently: repeats, and messages from a worker that does not hold the run, change nothing', async () => {
    const holder = await worker('holder');
    const runId = await createRun('only once');
    await holder.next('task_assignment');
    const intruder = await worker('intruder');
    await intruder.send('task_completed', { task_id: runId, message: 'not mine' });
    await holder.send('task_claimed', { task_id: runId, worker_id: 'holder' });
    await holder.send('task_claimed', { task_id: runId, worker_id: 'holder' });
    await holder.send('task_completed', { task_id: runId, output: 'fir\u0000st', artifacts: [{ artifact_type: 'PULL_REQUEST' }, 'junk'] });
    await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED'));
    await holder.send('task_completed', { task_id: runId, output: 'second' });
    await holder.send('task_failed', { task_id: runId, message: 'late failure' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A NUL is dropped (PostgreSQL cannot store it) and malformed artifacts are not kept.
    expect(await retrieveRun(cp.sdk(token), runId)).toMatchObject({ state: 'SUCCEEDED', output: 'first', artifacts: [] });
    expect((await transitionsOf(runId)).map((t) => t.to)).toEqual(['CLAIMED', 'SUCCEEDED']);
  });

  it('keeps a rejected run PENDING and gives it to a worker with room', async () => {
    const full = await worker('full-worker');
    const runId = await createRun('find a free worker');
    await full.next('task_assignment');
    const spare = await worker('spare-worker');
    await full.send('task_rejected', { task_id: runId, reason: 'worker at maximum concurrency' });
    expect((await spare.next('task_assignment')).task_id).toBe(runId);
    expect((await retrieveRun(cp.sdk(token), runId)).state).toBe('PENDING');
    await spare.send('task_claimed', { task_id: runId, worker_id: 'spare-worker' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
  });

  it('takes an assignment back when it is not claimed in time, and gives it to another worker', async () => {
    const silent = await worker('silent-worker');
    const runId = await createRun('claim me');
    await silent.next('task_assignment');
    const other = await worker('other-worker');
    // The silent worker never claims; after the 1 s deadline the run is offered again.
    const offers = await Promise.race([other.next('task_assignment', 8_000), silent.next('task_assignment', 8_000)]);
    expect(offers.task_id).toBe(runId);
    expect((await retrieveRun(cp.sdk(token), runId)).state).toBe('PENDING');
  });

  it('fails a run whose worker goes silent past its lease, saying so', async () => {
    const w = await worker('vanishing-worker');
    const runId = await createRun('the worker will vanish');
    await w.next('task_assignment');
    await w.send('task_claimed', { task_id: runId, worker_id: 'vanishing-worker' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
    await w.close();
    const run = await waitForRun(cp.sdk(token), runId, inState('FAILED'), 15_000);
    expect(run.status_message?.message).toMatch(/^Lost contact with worker vanishing-worker/);
  });

  it('does not fail a run when the connection drops: the worker reconnects and finishes it', async () => {
    const first = await worker('flaky-worker');
    const runId = await createRun('survive a reconnect');
    await first.next('task_assignment');
    await first.send('task_claimed', { task_id: runId, worker_id: 'flaky-worker' });
    await first.close();
    const again = await worker('flaky-worker');
    await again.send('task_completed', { task_id: runId, output: 'done after reconnecting' });
    expect(await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED'))).toMatchObject({ state: 'SUCCEEDED', output: 'done after reconnecting' });
  });

  it('sends task_cancellation to the worker running a cancelled run; its CANCELLED completion is accepted', async () => {
    const w = await worker('cancel-worker');
    const runId = await createRun('cancel me');
    await w.next('task_assignment');
    await w.send('task_claimed', { task_id: runId, worker_id: 'cancel-worker' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
    await cp.sdk(token).agent.runs.cancel(runId);
    expect(await w.next('task_cancellation')).toEqual({ task_id: runId });
    await w.send('task_completed', { task_id: runId, message: 'Task cancelled by user request.', task_state: 'CANCELLED' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await retrieveRun(cp.sdk(token), runId)).state).toBe('CANCELLED');
  });

  it('routes a run with config.worker_host to that worker only', async () => {
    const a = await worker('host-a');
    const b = await worker('host-b');
    const runId = await createRun('for b', { worker_host: 'host-b' });
    expect((await b.next('task_assignment')).task_id).toBe(runId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.received.filter((m) => m.type === 'task_assignment')).toHaveLength(0);
  });

  it('respects the capacity a worker announces', async () => {
    const w = await worker('small-worker', { max_concurrent_tasks: '1' });
    const first = await createRun('one');
    const second = await createRun('two');
    expect((await w.next('task_assignment')).task_id).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(w.received.filter((m) => m.type === 'task_assignment')).toHaveLength(1);
    await w.send('task_claimed', { task_id: first, worker_id: 'small-worker' });
    await w.send('task_completed', { task_id: first, output: 'ok' });
    expect((await w.next('task_assignment')).task_id).toBe(second);
  });

  it('lists connected workers to the admin only', async () => {
    await worker('listed', {});
    await worker('listed', {});
    type Listed = { worker_id: string; connections: number };
    let listed: Listed | undefined;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && listed?.connections !== 2; ) {
      const body = (await (await cp.request('/api/v1/agent/connected-self-hosted-workers')).json()) as { workers: Listed[] };
      listed = body.workers.find((w) => w.worker_id === 'listed');
    }
    expect(listed).toMatchObject({
      connections: 2,
      connected_at: expect.any(String),
      last_seen_at: expect.any(String),
    });
    expect((await cp.request('/api/v1/agent/connected-self-hosted-workers', { token })).status).toBe(403);
  });
});
