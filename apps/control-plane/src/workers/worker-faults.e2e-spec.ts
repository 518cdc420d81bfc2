import { createTestDatabase, queryOnce, type TestDatabase } from '@oz/testing';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OzAPI from 'oz-agent-sdk';
import { secretsKeyFor, startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { buildControlPlane, freePort, startControlPlaneProcess, waitForHealth } from '../testing/control-plane-process';
import { prepareDockerWorkers, SIDECAR_IMAGE, startWorkerProcess, TASK_IMAGE, WORKER_TOKEN, type WorkerProcess } from '../testing/docker-workers';
import { inState, waitForRun } from '../testing/run-polling';

const ADMIN_KEY = 'faults-test-admin-key-0123456789';

/**
 * Worker mode under faults, with real worker processes and containers: the control plane dies and
 * comes back while a task runs; two replicas and three workers share a hundred runs, each executed
 * exactly once (every task appends its run id to a file on the host).
 */
describe('worker mode under faults', () => {
  let database: TestDatabase;
  let executions: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    prepareDockerWorkers();
    buildControlPlane();
    database = await createTestDatabase('oz_cp_faults');
    executions = mkdtempSync(join(tmpdir(), 'oz-executions-'));
    writeFileSync(join(executions, 'log'), '');
  }, 300_000);
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await database.drop();
  });

  const baseEnv = () => ({
    DATABASE_URL: database.url,
    OZ_ADMIN_API_KEY: ADMIN_KEY,
    OZ_SECRETS_KEY: secretsKeyFor(database),
    OZ_WORKER_TOKEN: WORKER_TOKEN,
    OZ_WORKER_SIDECAR_IMAGE: SIDECAR_IMAGE,
    OZ_DISPATCH_POLL_INTERVAL_MS: '250',
    OZ_SCHEDULER_ENABLED: 'false',
    OZ_EXECUTOR_CONCURRENCY: '0',
    OZ_LOG_LEVEL: 'warn',
  });

  async function environment(sdkOrigin: string, name: string, agentCommand: string): Promise<string> {
    const response = await fetch(`${sdkOrigin}/api/v1/environments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, docker_image: TASK_IMAGE, env_vars: { OZ_AGENT_COMMAND: agentCommand } }),
    });
    return ((await response.json()) as { id: string }).id;
  }

  it('completes a run whose control plane was killed and restarted while the task ran', async () => {
    const port = await freePort();
    const env = { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), OZ_WORKER_LEASE_SECONDS: '60' };
    const origin = `http://127.0.0.1:${port}`;
    let server = startControlPlaneProcess([], env);
    await waitForHealth(`${origin}/health`, server.exit, server.output);
    const worker = startWorkerProcess(origin, 'restart-worker');
    workers.push(worker);
    const sdk = new OzAPI({ apiKey: ADMIN_KEY, baseURL: `${origin}/api/v1`, maxRetries: 0, logLevel: 'off' });
    const environmentId = await environment(origin, 'restart', 'echo before; sleep 4; echo after the restart');
    const { run_id } = await sdk.agent.run({ prompt: 'outlive the control plane', config: { environment_id: environmentId } });
    await waitForRun(sdk, run_id, inState('INPROGRESS'), 60_000);

    server.child.kill('SIGKILL');
    await server.exit;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    server = startControlPlaneProcess([], env);
    await waitForHealth(`${origin}/health`, server.exit, server.output);
    try {
      const run = await waitForRun(sdk, run_id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
      expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'before\nafter the restart' });
    } finally {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
      server.child.kill('SIGTERM');
      await server.exit;
    }
  }, 180_000);

  it('executes each of 100 runs exactly once with two replicas and three workers', async () => {
    const replicas: ControlPlaneHarness[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        replicas.push(await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_WORKER_SIDECAR_IMAGE: SIDECAR_IMAGE, OZ_DISPATCH_POLL_INTERVAL_MS: '250' }, database));
      }
      // Two workers on the first replica, one on the second: each replica only dispatches to its own.
      for (const [i, replica] of [replicas[0], replicas[0], replicas[1]].entries()) {
        const worker = startWorkerProcess(replica.origin, `fleet-${i}`, { mounts: [`${executions}:/srv/executions`], maxConcurrentTasks: 3 });
        workers.push(worker);
      }
      const environmentId = await environment(replicas[0].origin, 'fleet', 'echo "$OZ_RUN_ID" >> /srv/executions/log; echo ok');
      // Runs created through both replicas.
      const created = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          replicas[i % 2].sdk(ADMIN_KEY).agent.run({ prompt: `fleet task ${i}`, config: { environment_id: environmentId } }),
        ),
      );
      const ids = created.map((run) => run.run_id);
      for (const id of ids) {
        const run = await waitForRun(replicas[1].sdk(), id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 180_000);
        expect({ id, state: run.state, message: run.status_message }).toEqual({ id, state: 'SUCCEEDED', message: null });
      }
      const executed = readFileSync(join(executions, 'log'), 'utf8').split('\n').filter(Boolean);
      expect(executed.sort()).toEqual([...ids].sort());
      const perWorker = await queryOnce<{ worker_id: string; runs: number }>(
        database.url,
        `SELECT worker_id, count(*)::int AS runs FROM runs WHERE id IN (${ids.map((id) => `'${id}'`).join(',')}) GROUP BY worker_id ORDER BY worker_id`,
      );
      expect(perWorker.map((row) => row.worker_id)).toEqual(['fleet-0', 'fleet-1', 'fleet-2']);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  }, 400_000);
});
