import { startEmbeddedPostgres, type EmbeddedPostgres } from '@oz/embedded-postgres';
import { sleep } from '@oz/server-kit';
import { createTestDatabase, inState, queryOnce, retrieveRun, waitForRun, type ServerProcess, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneSettings, createEnvironment, startControlPlane, type ControlPlane, type ControlPlaneSettings } from './support/control-plane';
import { ExecutionLog } from './support/executions';
import { assertDockerReady, taskContainersOf } from './support/images';
import { startWorker, stopWorker } from './support/workers';

const LEASE_SECONDS = 6;
const RUN = randomBytes(3).toString('hex');

/**
 * Crash-safe workers, with real worker and control-plane processes and real containers whose tasks
 * record every execution (start, a tick every half second, end) in a file on the host. Workers are
 * killed with SIGKILL mid-task and restarted under the same id: before their runs' leases lapse, after
 * (within the lease the control plane then gives them to come back), and too late; a control-plane
 * replica is killed too, and PostgreSQL (a cluster of the test's own) restarted. Invariants: every run ends; no run ever has two executions running at once;
 * when the worker comes back in time each run executes exactly once and succeeds; no container is left.
 */
describe('worker crashes', () => {
  let database: TestDatabase;
  let settings: ControlPlaneSettings;
  let log: ExecutionLog;
  const workers: ServerProcess[] = [];
  const replicas: ControlPlane[] = [];

  beforeAll(async () => {
    assertDockerReady();
    database = await createTestDatabase('oz_worker_crash');
    settings = controlPlaneSettings(database);
    log = new ExecutionLog();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => stopWorker(worker)));
    await Promise.all(replicas.splice(0).map((replica) => replica.server.stop()));
  });

  afterAll(async () => {
    await database?.drop();
    log?.remove();
  });

  async function replica(port?: number, on: ControlPlaneSettings = settings): Promise<ControlPlane> {
    const started = await startControlPlane(on, { OZ_WORKER_LEASE_SECONDS: String(LEASE_SECONDS), OZ_WORKER_RETRY_LOST_RUNS: 'true' }, { port });
    replicas.push(started);
    return started;
  }

  /** Worker ids unique to this test run: a worker adopts the containers of its id it finds on the engine. */
  const id = (name: string) => `${name}-${RUN}`;

  function worker(origin: string, workerId: string): ServerProcess {
    const started = startWorker(origin, workerId, { mounts: [log.mount], maxConcurrentTasks: 3 });
    workers.push(started);
    return started;
  }

  /** SIGKILL: the worker process dies at once; its task containers keep running. */
  async function crash(victim: ServerProcess): Promise<void> {
    await stopWorker(victim, 'SIGKILL');
    workers.splice(workers.indexOf(victim), 1);
  }

  async function createRuns(cp: ControlPlane, name: string, ticks: number, count: number): Promise<string[]> {
    const environmentId = await createEnvironment(cp, undefined, { name, env_vars: { OZ_AGENT_COMMAND: ExecutionLog.agent(ticks) } });
    const created = await Promise.all(Array.from({ length: count }, (_, i) => cp.sdk().agent.run({ prompt: `${name} ${i}`, config: { environment_id: environmentId } })));
    return created.map((run) => run.run_id);
  }

  async function ended(cp: ControlPlane, runIds: string[]) {
    return Promise.all(runIds.map((id) => waitForRun(cp.sdk(), id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 120_000)));
  }

  async function noContainersLeft(runIds: string[]): Promise<void> {
    for (const deadline = Date.now() + 30_000; runIds.some((id) => taskContainersOf(id).length > 0) && Date.now() < deadline; ) await sleep(200);
    expect(runIds.flatMap((id) => taskContainersOf(id))).toEqual([]);
  }

  /** The invariants of a prompt comeback: one execution per run, from start to end, succeeded; never two at once. */
  async function executedExactlyOnce(cp: ControlPlane, runIds: string[], ticks: number): Promise<void> {
    for (const run of await ended(cp, runIds)) {
      expect(log.overlapped(run.run_id)).toBe(false);
      expect(log.of(run.run_id)).toEqual([{ container: expect.any(String), started: true, ticks, ended: true }]);
      expect({ id: run.run_id, state: run.state }).toEqual({ id: run.run_id, state: 'SUCCEEDED' });
      expect(run.output?.split('\n').at(-1)).toBe('done');
      expect(run.attempts).toBe(1);
    }
    await noContainersLeft(runIds);
  }

  async function logLines(cp: ControlPlane, runId: string): Promise<string[]> {
    const body = (await (await cp.request(`/api/v1/agent/runs/${runId}/logs?limit=1000`)).json()) as { lines: { line: string }[] };
    return body.lines.map((l) => l.line);
  }

  async function leasesLapsed(runIds: string[]): Promise<void> {
    const ids = runIds.map((id) => `'${id}'`).join(',');
    while ((await queryOnce(database.url, `SELECT 1 FROM runs WHERE id IN (${ids}) AND lease_expires_at >= now()`)).length > 0) await sleep(50);
  }

  it('a worker killed mid-task and restarted at once adopts its tasks: each runs once, logs whole, and succeeds', async () => {
    const cp = await replica();
    const first = worker(cp.origin, id('crash-prompt'));
    const ticks = 16;
    const runIds = await createRuns(cp, 'prompt', ticks, 3);
    await log.ticked(runIds, 2);

    await crash(first);
    worker(cp.origin, id('crash-prompt'));
    for (const id of runIds) {
      const run = await waitForRun(cp.sdk(), id, (r) => r.status_message?.message === 'worker restarted, task adopted' || r.state !== 'INPROGRESS', 60_000);
      expect(run.status_message?.message).toBe('worker restarted, task adopted');
    }
    await executedExactlyOnce(cp, runIds, ticks);
    // The log went on from where the dead worker stopped reading it: every tick once, none lost.
    for (const id of runIds) {
      expect((await logLines(cp, id)).filter((line) => line.startsWith('tick '))).toEqual(Array.from({ length: ticks }, (_, i) => `tick ${i + 1}`));
    }
  }, 180_000);

  it('a worker restarted after its runs’ leases lapsed gets them back: nothing is retried meanwhile, even with another worker free', async () => {
    const cp = await replica();
    const first = worker(cp.origin, id('crash-late'));
    const ticks = 30;
    const runIds = await createRuns(cp, 'late', ticks, 2);
    await log.ticked(runIds, 2);
    worker(cp.origin, id('crash-bystander'));

    await crash(first);
    await leasesLapsed(runIds);
    worker(cp.origin, id('crash-late'));
    await executedExactlyOnce(cp, runIds, ticks);
    const holders = await queryOnce<{ worker_id: string }>(database.url, `SELECT DISTINCT worker_id FROM runs WHERE id IN (${runIds.map((id) => `'${id}'`).join(',')})`);
    expect(holders).toEqual([{ worker_id: id('crash-late') }]);
  }, 180_000);

  it('a worker back too late finds its run retried: it stops the old container before the retry starts, and the run ends', async () => {
    const cp = await replica();
    const first = worker(cp.origin, id('crash-too-late'));
    const ticks = 30;
    const [runId] = (await createRuns(cp, 'too-late', ticks, 1)) as [string];
    await log.ticked([runId], 2);

    await crash(first);
    await waitForRun(cp.sdk(), runId, (r) => r.status_message?.message === 'worker lost; retrying on another worker (attempt 2)', 60_000);
    const [orphan] = log.of(runId);
    expect(orphan?.ended).toBe(false); // still running, with no worker
    worker(cp.origin, id('crash-too-late'));

    const [run] = await ended(cp, [runId]);
    expect(run).toMatchObject({ state: 'SUCCEEDED', attempts: 2 });
    const executions = log.of(runId);
    expect(executions).toEqual([
      { container: orphan?.container, started: true, ticks: expect.any(Number), ended: false },
      { container: expect.any(String), started: true, ticks, ended: true },
    ]);
    expect(log.overlapped(runId)).toBe(false);
    await noContainersLeft([runId]);
  }, 180_000);

  it('a control-plane replica killed mid-task and restarted leaves every run to finish once', async () => {
    const [killed, other] = [await replica(), await replica()];
    worker(killed.origin, id('crash-replica-a'));
    worker(other.origin, id('crash-replica-b'));
    const ticks = 16;
    const runIds = await createRuns(other, 'replica', ticks, 4);
    await log.ticked(runIds, 2);

    await killed.server.kill();
    replicas.splice(replicas.indexOf(killed), 1);
    await sleep(1_000);
    await replica(killed.server.port);
    await executedExactlyOnce(other, runIds, ticks);
    expect((await retrieveRun(other.sdk(), runIds[0] as string)).state).toBe('SUCCEEDED');
  }, 180_000);

  it('PostgreSQL restarted while tasks run loses nothing: every run finishes once', async () => {
    // A cluster of this test's own, so restarting it disturbs no other suite.
    const dataDir = await mkdtemp(join(tmpdir(), 'oz-test-pg-'));
    let postgres: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, persistent: true });
    try {
      const cp = await replica(undefined, { ...controlPlaneSettings(database), databaseUrl: postgres.url });
      worker(cp.origin, id('crash-postgres'));
      const ticks = 16;
      const runIds = await createRuns(cp, 'postgres', ticks, 2);
      await log.ticked(runIds, 2);

      await postgres.stop();
      postgres = await startEmbeddedPostgres({ dataDir, port: postgres.port, persistent: true });
      await executedExactlyOnce(cp, runIds, ticks);
    } finally {
      await Promise.all(workers.splice(0).map((w) => stopWorker(w)));
      await Promise.all(replicas.splice(0).map((r) => r.server.stop()));
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
