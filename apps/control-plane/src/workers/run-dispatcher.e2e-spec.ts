import { connectScriptedWorker, queryOnce, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { createEnvironment } from '../testing/run-fixtures';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'worker-token-0123456789abcdef';

/** Dispatch when something about a run is wrong: the other runs must not pay for it. */
describe('the run dispatcher', () => {
  let cp: ControlPlaneHarness;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('dispatch-test');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200' });
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

  const createRun = async (environmentId: string, prompt: string) =>
    (await cp.sdk(token).agent.run({ prompt, config: { environment_id: environmentId } })).run_id;

  it('fails a run whose environment secrets cannot be read, saying so, and goes on assigning the runs behind it', async () => {
    // Before, such a run was handed back and claimed again in a tight loop, ahead of every other run, forever.
    const broken = await createEnvironment(cp.request, token, 'broken');
    await queryOnce(cp.database.url, `UPDATE environments SET env_vars_ciphertext = 'not-a-sealed-value' WHERE id = '${broken}'`);
    const healthy = await createEnvironment(cp.request, token, 'healthy');
    const stuck = await createRun(broken, 'cannot be assigned');
    const fine = await createRun(healthy, 'can be assigned');

    const w = await worker('dispatch-worker');

    expect((await w.next('task_assignment')).task_id).toBe(fine);
    const failed = await waitForRun(cp.sdk(token), stuck, inState('FAILED'));
    expect(failed.status_message?.message).toBe('The run cannot be given to a worker: the secrets of its environment cannot be decrypted');
    expect(w.received.filter((m) => m.type === 'task_assignment')).toHaveLength(1);
  });

  it('fails a run whose environment is gone instead of offering it again and again', async () => {
    const environmentId = await createEnvironment(cp.request, token, 'vanishing');
    const orphan = await createRun(environmentId, 'its environment will vanish');
    // Deleting through the API is refused while the run is unfinished; only the database can do this.
    await queryOnce(cp.database.url, `DELETE FROM environments WHERE id = '${environmentId}'`);

    await worker('dispatch-worker-2');

    const failed = await waitForRun(cp.sdk(token), orphan, inState('FAILED'));
    expect(failed.status_message?.message).toBe(`The run cannot be given to a worker: its environment ${environmentId} no longer exists`);
  });

  it('revokes the task token of a worker run when it is cancelled', async () => {
    const environmentId = await createEnvironment(cp.request, token, 'cancelled');
    const w = await worker('cancel-token-worker');
    const runId = await createRun(environmentId, 'cancelled while claimed');
    await w.next('task_assignment');
    await w.send('task_claimed', { task_id: runId, worker_id: 'cancel-token-worker' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));

    await cp.sdk(token).agent.runs.cancel(runId);

    expect((await retrieveRun(cp.sdk(token), runId)).state).toBe('CANCELLED');
    const [row] = await queryOnce<{ task_token_hash: string | null }>(cp.database.url, `SELECT task_token_hash FROM runs WHERE id = '${runId}'`);
    expect(row?.task_token_hash).toBeNull();
  });
});
