import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { readErrorBody } from '../testing/error-response';
import { heldRun, workerEnvironment } from '../testing/held-runs';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'task-reports-worker-token-0123456789';

/**
 * The task's own reports (what the sidecar's entrypoint sends with its run's token): with a worker that
 * reports nothing itself (the official one) they are the run's log, output and end; with ours the same
 * log arrives once, and whichever final report comes first decides; the token opens its own run only,
 * and nothing once the run ended.
 */
describe('the task report routes', () => {
  let cp: ControlPlaneHarness;
  let environmentId: string;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('reports');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200', OZ_PUBLIC_URL: 'http://control-plane.internal:8080' });
    environmentId = await workerEnvironment(cp, token, 'reports-env');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
  });
  afterAll(() => cp.close());

  async function worker(workerId: string): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, WORKER_TOKEN, workerId);
    workers.push(connected);
    return connected;
  }

  const report = (runId: string, kind: 'logs' | 'output' | 'finished', taskToken: string, body: string, contentType = kind === 'finished' ? 'application/json' : 'text/plain; charset=utf-8') =>
    cp.request(`/api/v1/agent/runs/${runId}/task/${kind}`, { token: taskToken, method: 'POST', headers: { 'content-type': contentType }, body });

  async function logLines(runId: string): Promise<string[]> {
    const response = await cp.request(`/api/v1/agent/runs/${runId}/logs`, { token });
    return ((await response.json()) as { lines: Array<{ line: string }> }).lines.map((l) => l.line);
  }

  it('tells the task where the control plane is, and ends the run with the task’s own log, output and exit code (the official worker reports none)', async () => {
    const official = await worker('official-1');
    const run = await heldRun(cp, official, token, environmentId, { harness: { type: 'claude', model_id: 'claude-opus-4-5' }, model_id: 'claude' });
    expect(run.env).toMatchObject({ OZ_API_BASE_URL: 'http://control-plane.internal:8080/api/v1', OZ_RUN_ID: run.runId, OZ_HARNESS: 'claude', OZ_MODEL_ID: 'claude-opus-4-5' });
    expect(run.taskToken).toMatch(/^oz_task_[A-Za-z0-9_-]{43}$/);

    expect((await report(run.runId, 'logs', run.taskToken, 'oz-sidecar: cloning\r\nstep two')).status).toBe(204);
    expect((await report(run.runId, 'logs', run.taskToken, 'step three')).status).toBe(204);
    expect((await report(run.runId, 'output', run.taskToken, 'Done. Opened https://github.com/acme/app/pull/9 (branch: oz/fix)\n')).status).toBe(204);
    expect((await report(run.runId, 'finished', run.taskToken, '{"exit_code": 0}')).status).toBe(204);

    const ended = await retrieveRun(cp.sdk(token), run.runId);
    expect(ended).toMatchObject({
      state: 'SUCCEEDED',
      output: 'Done. Opened https://github.com/acme/app/pull/9 (branch: oz/fix)\n',
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/9', branch: 'oz/fix' } }],
      status_message: null,
    });
    expect(await logLines(run.runId)).toEqual(['oz-sidecar: cloning', 'step two', 'step three']);

    // The token is revoked with the end; the official worker's own end afterwards changes nothing.
    const late = await report(run.runId, 'logs', run.taskToken, 'too late');
    expect(late.status).toBe(401);
    expect((await readErrorBody(late)).message).toMatch(/run has ended/);
    await official.send('task_failed', { task_id: run.runId, message: 'container exited', exit_code: 1 });
    await official.report([]); // answered after the message before it was handled
    expect((await retrieveRun(cp.sdk(token), run.runId)).state).toBe('SUCCEEDED');
  });

  it('fails the run with the exit code as our worker would say it, the log’s tail standing in for a missing output', async () => {
    const official = await worker('official-2');
    const run = await heldRun(cp, official, token, environmentId);
    await report(run.runId, 'logs', run.taskToken, 'oz-sidecar: the model id is bad');
    expect((await report(run.runId, 'finished', run.taskToken, '{"exit_code": 78}')).status).toBe(204);
    expect(await retrieveRun(cp.sdk(token), run.runId)).toMatchObject({
      state: 'FAILED',
      status_message: { message: 'The agent exited with code 78 (container_exit, exit code 78)' },
      output: 'oz-sidecar: the model id is bad',
    });
  });

  it('keeps the task’s log only once when our worker streams the same log, and lets the first final report win', async () => {
    const ours = await worker('ours-1');
    await ours.report([]); // our worker reports its runs (running_tasks), so it streams their logs too
    const run = await heldRun(cp, ours, token, environmentId);
    await ours.send('task_started', { task_id: run.runId });
    await waitForRun(cp.sdk(token), run.runId, inState('INPROGRESS'));
    await ours.send('task_log', { task_id: run.runId, lines: ['from the worker'] });
    expect((await report(run.runId, 'logs', run.taskToken, 'from the worker')).status).toBe(204);
    await report(run.runId, 'output', run.taskToken, 'the answer');
    await report(run.runId, 'finished', run.taskToken, '{"exit_code": 0}');
    // The worker's own final message, later and different, changes nothing.
    await ours.send('task_failed', { task_id: run.runId, message: 'late', exit_code: 3, output: 'other output' });
    await ours.report([{ task_id: run.runId }]);
    expect(await retrieveRun(cp.sdk(token), run.runId)).toMatchObject({ state: 'SUCCEEDED', output: 'the answer' });
    expect(await logLines(run.runId)).toEqual(['from the worker']);
  });

  it('opens only its own run’s routes, takes only its own kind of body, and refuses every other credential', async () => {
    const official = await worker('official-3');
    const first = await heldRun(cp, official, token, environmentId);
    const second = await heldRun(cp, official, token, environmentId);
    const crossed = await report(second.runId, 'output', first.taskToken, 'not mine');
    expect(crossed.status).toBe(403);
    expect((await readErrorBody(crossed)).message).toMatch(/another run/);
    for (const [credential, status] of [
      [cp.adminKey, 403],
      [WORKER_TOKEN, 403],
      [token, 401],
    ] as const) {
      const refused = await report(first.runId, 'output', credential, 'x');
      expect(`${credential.slice(0, 6)} → ${refused.status}`).toBe(`${credential.slice(0, 6)} → ${status}`);
    }
    expect((await report(first.runId, 'logs', first.taskToken, '{"lines":["x"]}', 'application/json')).status).toBe(415);
    expect((await report(first.runId, 'finished', first.taskToken, '{"exit_code": 0}', 'text/plain')).status).toBe(415);
    expect((await report(first.runId, 'finished', first.taskToken, '{"exit_code": -1}')).status).toBe(400);
    // text/plain anywhere else is still refused.
    const elsewhere = await cp.request('/api/v1/agent/run', { token, method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(elsewhere.status).toBe(415);
    // A log batch may be 1 MiB (the sidecar sends 256 KiB), not more; the output 10 MiB.
    expect((await report(first.runId, 'logs', first.taskToken, `${'x'.repeat(1000)}\n`.repeat(1000))).status).toBe(204);
    expect((await report(first.runId, 'logs', first.taskToken, 'x'.repeat(1024 * 1024 + 1))).status).toBe(413);
    expect((await report(first.runId, 'output', first.taskToken, 'y'.repeat(10 * 1024 * 1024))).status).toBe(204);
    expect((await retrieveRun(cp.sdk(token), first.runId)).output).toHaveLength(10 * 1024 * 1024);
    expect((await retrieveRun(cp.sdk(token), second.runId)).output).toBeNull();
  });
});
