import { sleep } from '@oz/server-kit';
import { createTestDatabase, inState, queryOnce, waitForRun, type ServerProcess, type TestDatabase } from '@oz/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneSettings, createEnvironment, startControlPlane, type ControlPlane, type ControlPlaneSettings } from './support/control-plane';
import { assertDockerReady } from './support/images';
import { startWorker, stopWorker } from './support/workers';

/**
 * Worker mode under faults, with real worker and control-plane processes and real containers: the
 * control plane dies and comes back while a task runs; two replicas and three workers share a hundred
 * runs, each executed exactly once (every task appends its run id to a file on the host).
 */
describe('worker mode under faults', () => {
  let database: TestDatabase;
  let settings: ControlPlaneSettings;
  let executions: string;
  const workers: ServerProcess[] = [];
  const replicas: ControlPlane[] = [];

  beforeAll(async () => {
    assertDockerReady();
    database = await createTestDatabase('oz_worker_faults');
    settings = controlPlaneSettings(database);
    executions = mkdtempSync(join(tmpdir(), 'oz-executions-'));
    writeFileSync(join(executions, 'log'), '');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorker(worker, 'SIGKILL')));
    await Promise.all(replicas.map((replica) => replica.server.stop()));
    await database?.drop();
    if (executions) rmSync(executions, { recursive: true, force: true });
  });

  async function startReplica(env: Record<string, string> = {}, port?: number): Promise<ControlPlane> {
    const replica = await startControlPlane(settings, env, { port });
    replicas.push(replica);
    return replica;
  }

  const environment = (replica: ControlPlane, name: string, agentCommand: string) =>
    createEnvironment(replica, undefined, { name, env_vars: { OZ_AGENT_COMMAND: agentCommand } });

  it('completes a run whose control plane was killed and restarted while the task ran', async () => {
    const env = { OZ_WORKER_LEASE_SECONDS: '60' };
    const first = await startReplica(env);
    const worker = startWorker(first.origin, 'restart-worker');
    workers.push(worker);
    const sdk = first.sdk();
    const environmentId = await environment(first, 'restart', 'echo before; sleep 4; echo after the restart');
    const { run_id } = await sdk.agent.run({ prompt: 'outlive the control plane', config: { environment_id: environmentId } });
    await waitForRun(sdk, run_id, inState('INPROGRESS'), 60_000);

    await first.server.kill();
    await sleep(1_000);
    const second = await startReplica(env, first.server.port);
    try {
      const run = await waitForRun(second.sdk(), run_id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
      expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'before\nafter the restart' });
    } finally {
      await stopWorker(worker);
      await second.server.stop();
    }
  }, 180_000);

  it('executes each of 100 runs exactly once with two replicas and three workers', async () => {
    const fleet = [await startReplica(), await startReplica()];
    // Two workers on the first replica, one on the second: each replica only dispatches to its own.
    for (const [i, replica] of [fleet[0], fleet[0], fleet[1]].entries()) {
      workers.push(startWorker(replica.origin, `fleet-${i}`, { mounts: [`${executions}:/srv/executions`], maxConcurrentTasks: 3 }));
    }
    const environmentId = await environment(fleet[0], 'fleet', 'echo "$OZ_RUN_ID" >> /srv/executions/log; echo ok');
    // Runs created through both replicas.
    const created = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fleet[i % 2].sdk().agent.run({ prompt: `fleet task ${i}`, config: { environment_id: environmentId } })),
    );
    const ids = created.map((run) => run.run_id);
    for (const id of ids) {
      const run = await waitForRun(fleet[1].sdk(), id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 180_000);
      expect({ id, state: run.state, message: run.status_message }).toEqual({ id, state: 'SUCCEEDED', message: null });
    }
    const executed = readFileSync(join(executions, 'log'), 'utf8').split('\n').filter(Boolean);
    expect(executed.sort()).toEqual([...ids].sort());
    const perWorker = await queryOnce<{ worker_id: string; runs: number }>(
      database.url,
      `SELECT worker_id, count(*)::int AS runs FROM runs WHERE id IN (${ids.map((id) => `'${id}'`).join(',')}) GROUP BY worker_id ORDER BY worker_id`,
    );
    expect(perWorker.map((row) => row.worker_id)).toEqual(['fleet-0', 'fleet-1', 'fleet-2']);
  }, 400_000);
});
