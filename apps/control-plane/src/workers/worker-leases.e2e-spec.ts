import type { RunningTask } from '@oz/contract';
import { connectScriptedWorker, queryOnce, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { auditRunTransitions } from '../testing/run-audit';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'worker-token-0123456789abcdef';
const LEASE_SECONDS = 5;

/**
 * Per-run leases with scripted workers speaking our extension: a connection reports the runs it
 * executes (`running_tasks`) and only those are renewed; a restarted worker adopts what it finds; a
 * lost run waits a lease for its worker to come back before it fails or is retried; a worker is told
 * to stop what is no longer its own. The official worker's flow is in worker-protocol.e2e-spec.ts.
 */
describe('per-run worker leases', () => {
  const workers: ScriptedWorker[] = [];
  const reporters: Array<() => void> = [];
  const token = tenantToken('leases');

  async function controlPlane(env: Record<string, string> = {}): Promise<{ cp: ControlPlaneHarness; environmentId: string }> {
    const cp = await startControlPlane({
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_WORKER_CLAIM_TIMEOUT_SECONDS: '1',
      OZ_WORKER_LEASE_SECONDS: String(LEASE_SECONDS),
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
      ...env,
    });
    planes.push(cp);
    const response = await cp.request('/api/v1/environments', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'env', docker_image: 'oz-task:test' }),
    });
    return { cp, environmentId: ((await response.json()) as { id: string }).id };
  }

  function closePlane(cp: ControlPlaneHarness): Promise<void> {
    planes.splice(planes.indexOf(cp), 1);
    return cp.close();
  }

  async function worker(cp: ControlPlaneHarness, workerId: string): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, WORKER_TOKEN, workerId);
    workers.push(connected);
    return connected;
  }

  /** Reports `tasks()` every second, as our worker does a few times per lease. */
  function keepReporting(w: ScriptedWorker, tasks: () => RunningTask[]): void {
    const timer = setInterval(() => void w.report(tasks()).catch(() => undefined), 1_000);
    reporters.push(() => clearInterval(timer));
  }

  /** A run claimed by `w` through the official claim (with our execution id): its assignment. */
  async function claimedRun(cp: ControlPlaneHarness, environmentId: string, w: ScriptedWorker, prompt: string) {
    const { run_id } = await cp.sdk(token).agent.run({ prompt, config: { environment_id: environmentId } });
    const assignment = await w.next('task_assignment');
    expect(assignment.task_id).toBe(run_id);
    await w.send('task_claimed', { task_id: run_id, worker_id: w.workerId, execution_id: assignment.execution_id });
    await w.send('task_started', { task_id: run_id, execution_id: assignment.execution_id });
    await waitForRun(cp.sdk(token), run_id, inState('INPROGRESS'));
    return { id: run_id, executionId: assignment.execution_id as string };
  }

  const planes: ControlPlaneHarness[] = [];
  afterEach(async () => {
    reporters.splice(0).forEach((stop) => stop());
    await Promise.all(workers.splice(0).map((w) => w.close()));
    // Unfinished runs of one test would be offered to the next test's workers.
    for (const cp of planes) {
      const { runs } = await cp.sdk(token).agent.runs.list({ state: ['PENDING', 'CLAIMED', 'INPROGRESS'], limit: 100 });
      await Promise.all(runs.map((run) => cp.sdk(token).agent.runs.cancel(run.run_id)));
    }
  });

  describe('with lost runs failed', () => {
    let cp: ControlPlaneHarness;
    let environmentId: string;
    beforeAll(async () => ({ cp, environmentId } = await controlPlane()));
    afterAll(() => closePlane(cp));

    // Bug fixed: any sign of life from a worker id renewed every run it held, so the runs of a worker
    // process that died stayed INPROGRESS for as long as a new process of the same id was connected.
    it('renews only the runs a connection reports: a run its worker id holds but nothing reports lapses', async () => {
      const w = await worker(cp, 'reporting-1');
      await w.report([]);
      const kept = await claimedRun(cp, environmentId, w, 'kept');
      const dropped = await claimedRun(cp, environmentId, w, 'dropped');
      keepReporting(w, () => [{ task_id: kept.id, execution_id: kept.executionId }]);

      const lost = await waitForRun(cp.sdk(token), dropped.id, inState('FAILED', 'SUCCEEDED'), 30_000);
      expect(lost.status_message?.message).toMatch(/^Lost contact with worker reporting-1: nothing reported the run for a lease/);
      expect((await retrieveRun(cp.sdk(token), kept.id)).state).toBe('INPROGRESS');
      await w.send('task_completed', { task_id: kept.id, execution_id: kept.executionId, output: 'still mine' });
      expect(await waitForRun(cp.sdk(token), kept.id, inState('SUCCEEDED', 'FAILED'))).toMatchObject({ state: 'SUCCEEDED', attempts: 1 });
    }, 60_000);

    it('lets a restarted worker adopt a run: its report renews it, the run says so, and the log goes on from the cursor', async () => {
      const before = await worker(cp, 'restarting-1');
      await before.report([]);
      const adopted = await claimedRun(cp, environmentId, before, 'adopt me');
      const orphan = await claimedRun(cp, environmentId, before, 'nobody finds me');
      await before.send('task_log', { task_id: adopted.id, execution_id: adopted.executionId, lines: ['one', 'two'], cursor: '2026-01-01T00:00:02.000000000Z' });
      // Answered once the lines before it were handled (a connection's messages are handled in order).
      await before.report([{ task_id: adopted.id, execution_id: adopted.executionId }]);
      await before.close(); // the process dies

      const after = await worker(cp, 'restarting-1');
      const answer = await after.report([{ task_id: adopted.id, execution_id: adopted.executionId, adopted: true }]);
      expect(answer).toMatchObject({
        renewed: [{ task_id: adopted.id, execution_id: adopted.executionId, log_cursor: '2026-01-01T00:00:02.000000000Z' }],
        stop: [],
        lease_ms: LEASE_SECONDS * 1000,
        fence_after_ms: 8_000,
        report_every_ms: 1_666,
      });
      expect(await retrieveRun(cp.sdk(token), adopted.id)).toMatchObject({ state: 'INPROGRESS', status_message: { message: 'worker restarted, task adopted' } });
      keepReporting(after, () => [{ task_id: adopted.id, execution_id: adopted.executionId, adopted: true }]);

      expect((await waitForRun(cp.sdk(token), orphan.id, inState('FAILED', 'SUCCEEDED'), 30_000)).state).toBe('FAILED');
      await after.send('task_log', { task_id: adopted.id, execution_id: adopted.executionId, lines: ['three'], cursor: '2026-01-01T00:00:03.000000000Z' });
      await after.send('task_completed', { task_id: adopted.id, execution_id: adopted.executionId, message: 'Task completed successfully' });
      expect(await waitForRun(cp.sdk(token), adopted.id, inState('SUCCEEDED', 'FAILED'))).toMatchObject({ state: 'SUCCEEDED', output: 'one\ntwo\nthree', attempts: 1 });
    }, 60_000);

    it('tells a worker to stop what is no longer its own: an ended run, another execution, an unknown run', async () => {
      const w = await worker(cp, 'told-1');
      await w.report([]);
      const mine = await claimedRun(cp, environmentId, w, 'mine');
      const cancelled = await claimedRun(cp, environmentId, w, 'cancelled');
      await cp.sdk(token).agent.runs.cancel(cancelled.id);
      const unknown = '00000000-0000-4000-8000-000000000000';
      const answer = await w.report([
        { task_id: mine.id, execution_id: mine.executionId },
        { task_id: mine.id, execution_id: '11111111-1111-4111-8111-111111111111' },
        { task_id: cancelled.id, execution_id: cancelled.executionId },
        { task_id: unknown },
        { task_id: 'not-a-run' },
      ]);
      expect(answer.renewed).toEqual([{ task_id: mine.id, execution_id: mine.executionId, log_cursor: null }]);
      expect(answer.stop).toEqual(
        expect.arrayContaining([
          { task_id: mine.id, execution_id: '11111111-1111-4111-8111-111111111111', reason: 'reassigned' },
          { task_id: cancelled.id, execution_id: cancelled.executionId, reason: 'finished' },
          { task_id: unknown, reason: 'unknown' },
          { task_id: 'not-a-run', reason: 'unknown' },
        ]),
      );
      // A message from the wrong execution changes nothing.
      await w.send('task_completed', { task_id: mine.id, execution_id: '11111111-1111-4111-8111-111111111111', message: 'stale' });
      await w.report([{ task_id: mine.id, execution_id: mine.executionId }]);
      expect((await retrieveRun(cp.sdk(token), mine.id)).state).toBe('INPROGRESS');
    });

    it('answers a claim that came too late with a stop, so the worker does not run a run that went back to the queue', async () => {
      const w = await worker(cp, 'late-1');
      await w.report([]);
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'claim me late', config: { environment_id: environmentId } });
      const assignment = await w.next('task_assignment');
      // The 1 s claim deadline passes: the run goes back to the queue (and may be offered again).
      const stillAssigned = `SELECT 1 FROM runs WHERE id = '${run_id}' AND worker_id = 'late-1' AND execution_id = '${assignment.execution_id}'`;
      while ((await queryOnce(cp.database.url, stillAssigned)).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      await w.send('task_claimed', { task_id: run_id, worker_id: 'late-1', execution_id: assignment.execution_id });
      const answer = await w.next('task_leases');
      expect(answer).toMatchObject({ renewed: [], stop: [{ task_id: run_id, execution_id: assignment.execution_id, reason: 'reassigned' }] });
      expect(answer.report_id).toBeUndefined();
    });

    it('fails a run still going past its time limit (the official worker never enforces it) and tells the worker to stop it', async () => {
      const response = await cp.request('/api/v1/environments', {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'one-second', docker_image: 'oz-task:test', task_timeout_seconds: 1 }),
      });
      const shortEnvironment = ((await response.json()) as { id: string }).id;
      const official = await worker(cp, 'official-timeout');
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'never ends', config: { environment_id: shortEnvironment } });
      expect((await official.next('task_assignment')).task_timeout_seconds).toBe(1);
      await official.send('task_claimed', { task_id: run_id, worker_id: 'official-timeout' });
      const run = await waitForRun(cp.sdk(token), run_id, inState('FAILED', 'SUCCEEDED'), 30_000);
      expect(run.status_message?.message).toBe('The task exceeded its maximum allowed execution time and was stopped (task_timeout)');
      expect(await official.next('task_cancellation', 5_000)).toEqual({ task_id: run_id });
    }, 60_000);
  });

  describe('with lost runs retried', () => {
    let cp: ControlPlaneHarness;
    let environmentId: string;
    let transitionsOf: Awaited<ReturnType<typeof auditRunTransitions>>;
    beforeAll(async () => {
      ({ cp, environmentId } = await controlPlane({ OZ_WORKER_RETRY_LOST_RUNS: 'true' }));
      transitionsOf = await auditRunTransitions(cp.database.url);
    });
    afterAll(() => closePlane(cp));

    async function leaseLapsed(runId: string): Promise<void> {
      for (;;) {
        const [row] = await queryOnce<{ lapsed: boolean }>(cp.database.url, `SELECT lease_expires_at < now() AS lapsed FROM runs WHERE id = '${runId}'`);
        if (row?.lapsed) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('keeps a lapsed run for its worker to come back: a restart after the lease, within the next, adopts it', async () => {
      const before = await worker(cp, 'slow-restart');
      await before.report([]);
      const run = await claimedRun(cp, environmentId, before, 'wait for me');
      await before.close();
      await leaseLapsed(run.id);

      const after = await worker(cp, 'slow-restart');
      const answer = await after.report([{ task_id: run.id, execution_id: run.executionId, adopted: true }]);
      expect(answer.renewed.map((task) => task.task_id)).toEqual([run.id]);
      keepReporting(after, () => [{ task_id: run.id, execution_id: run.executionId, adopted: true }]);
      await after.send('task_completed', { task_id: run.id, execution_id: run.executionId, output: 'done once' });
      expect(await waitForRun(cp.sdk(token), run.id, inState('SUCCEEDED', 'FAILED'))).toMatchObject({ state: 'SUCCEEDED', attempts: 1 });
      expect((await transitionsOf(run.id)).map((t) => t.to)).toEqual(['CLAIMED', 'INPROGRESS', 'SUCCEEDED']);
    }, 60_000);

    it('retries a run whose worker did not come back only a lease after its lease lapsed, counting the attempt; the old worker is then told to stop', async () => {
      const lost = await worker(cp, 'gone-for-good');
      await lost.report([]);
      const run = await claimedRun(cp, environmentId, lost, 'retry me');
      await lost.close();
      const other = await worker(cp, 'takes-over');
      const retried = await other.next('task_assignment', 30_000);
      expect(retried.task_id).toBe(run.id);
      expect(retried.execution_id).not.toBe(run.executionId);
      const [{ held_for_ms }] = (await queryOnce<{ held_for_ms: number }>(
        cp.database.url,
        `SELECT (extract(epoch FROM (max(at) FILTER (WHERE to_state = 'PENDING') - min(at) FILTER (WHERE to_state = 'CLAIMED'))) * 1000)::float8 AS held_for_ms
         FROM run_transitions WHERE run_id = '${run.id}'`,
      )) as [{ held_for_ms: number }];
      // Claimed with a lease of 5 s, then 5 s more for the worker to come back: never sooner.
      expect(held_for_ms).toBeGreaterThanOrEqual(2 * LEASE_SECONDS * 1000 - 50);
      expect(await retrieveRun(cp.sdk(token), run.id)).toMatchObject({
        state: 'PENDING',
        attempts: 1,
        status_message: { message: 'worker lost; retrying on another worker (attempt 2)' },
      });

      await other.send('task_claimed', { task_id: run.id, worker_id: 'takes-over', execution_id: retried.execution_id });
      expect(await waitForRun(cp.sdk(token), run.id, inState('CLAIMED'))).toMatchObject({ attempts: 2 });
      const back = await worker(cp, 'gone-for-good');
      expect((await back.report([{ task_id: run.id, execution_id: run.executionId, adopted: true }])).stop).toEqual([
        { task_id: run.id, execution_id: run.executionId, reason: 'reassigned' },
      ]);
      expect((await retrieveRun(cp.sdk(token), run.id)).state).toBe('CLAIMED');
    }, 60_000);
  });
});
