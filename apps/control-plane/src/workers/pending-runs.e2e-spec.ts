import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { workerEnvironment } from '../testing/held-runs';
import { inState, waitForRun, type RetrievedRun } from '../testing/run-polling';

const WORKER_TOKEN = 'pending-worker-token-0123456789';

const says = (message: string | null) => (run: RetrievedRun) => (run.status_message?.message ?? null) === message;

/**
 * A PENDING run says why it waits (no worker connected; its pinned worker not connected), the words
 * go once a worker may take it, and with OZ_PENDING_TIMEOUT_SECONDS a run that waited too long fails
 * saying why. The explanations look at every replica's workers (worker_connections).
 */
describe('waiting runs', () => {
  let cp: ControlPlaneHarness;
  let environmentId: string;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('pending');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200' });
    environmentId = await workerEnvironment(cp, token, 'pending-env');
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await cp.close();
  });

  const createRun = async (config: Record<string, unknown> = {}) =>
    (await cp.sdk(token).agent.run({ prompt: 'wait for me', config: { environment_id: environmentId, ...config } })).run_id;

  it('say that no worker is connected, or that their pinned worker is not, until a worker that may take them connects', async () => {
    const anyWorker = await createRun();
    const pinned = await createRun({ worker_host: 'build-7' });
    await waitForRun(cp.sdk(token), anyWorker, says('waiting for a worker: none is connected'));
    await waitForRun(cp.sdk(token), pinned, says('waiting for a worker: worker build-7 (pinned by config.worker_host) is not connected'));

    const other = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'build-1');
    workers.push(other);
    // build-1 takes the unpinned run: assigned, the explanation is gone (then claimed by it).
    expect((await other.next('task_assignment')).task_id).toBe(anyWorker);
    const assigned = await waitForRun(cp.sdk(token), anyWorker, says(null));
    expect(assigned.state).toBe('PENDING');
    await other.send('task_claimed', { task_id: anyWorker });
    await waitForRun(cp.sdk(token), anyWorker, says('Claimed by worker build-1'));
    // The pinned run still waits for build-7, and says so.
    await waitForRun(cp.sdk(token), pinned, says('waiting for a worker: worker build-7 (pinned by config.worker_host) is not connected'));

    const build7 = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'build-7');
    workers.push(build7);
    expect((await build7.next('task_assignment')).task_id).toBe(pinned);
    await waitForRun(cp.sdk(token), pinned, says(null));
  });

  it('fail after OZ_PENDING_TIMEOUT_SECONDS, saying why they waited', async () => {
    const strict = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200', OZ_PENDING_TIMEOUT_SECONDS: '1' });
    try {
      const env = await workerEnvironment(strict, token, 'strict-env');
      const { run_id } = await strict.sdk(token).agent.run({ prompt: 'nobody comes', config: { environment_id: env, worker_host: 'gone-1' } });
      const failed = await waitForRun(strict.sdk(token), run_id, inState('FAILED', 'SUCCEEDED', 'CANCELLED'));
      expect(failed.state).toBe('FAILED');
      expect(failed.status_message?.message).toBe(
        'No worker took the run within 1 s (OZ_PENDING_TIMEOUT_SECONDS); it was waiting for a worker: worker gone-1 (pinned by config.worker_host) is not connected',
      );
    } finally {
      await strict.close();
    }
  });
});
