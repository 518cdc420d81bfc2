import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import { Client } from 'pg';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { inState, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'worker-token-0123456789abcdef';

/**
 * The worker channel's bounds and fairness: a frame over 1 MiB and a connection whose messages pile
 * up are closed (1009, 1008) without harm to the server; a worker that rejects work is offered it
 * again after a back-off, also when it holds nothing on that connection.
 */
describe('the worker channel', () => {
  let cp: ControlPlaneHarness;
  let environmentId: string;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('channel');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '60000' });
    const response = await cp.request('/api/v1/environments', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'env', docker_image: 'oz-task:test' }),
    });
    environmentId = ((await response.json()) as { id: string }).id;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    const { runs } = await cp.sdk(token).agent.runs.list({ state: ['PENDING', 'CLAIMED', 'INPROGRESS'], limit: 100 });
    await Promise.all(runs.map((run) => cp.sdk(token).agent.runs.cancel(run.run_id)));
  });
  afterAll(() => cp.close());

  async function worker(workerId: string, query: Record<string, string> = {}): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, WORKER_TOKEN, workerId, query);
    workers.push(connected);
    return connected;
  }

  const createRun = async (prompt: string) => (await cp.sdk(token).agent.run({ prompt, config: { environment_id: environmentId } })).run_id;

  // Bug fixed: `ws` took frames of up to 100 MiB by default, buffering each whole.
  it('closes a connection that sends a 5 MiB message with 1009, and the server stays healthy', async () => {
    const w = await worker('big-mouth');
    await w.send('task_log', { task_id: 'x', lines: ['x'.repeat(5 * 1024 * 1024)] }).catch(() => undefined);
    expect(await w.closed).toMatchObject({ code: 1009 });
    expect((await fetch(`${cp.origin}/health`)).status).toBe(200);
    await expect(worker('next-one')).resolves.toBeDefined();
  });

  // Bug fixed: messages waited in an unbounded promise chain per connection while the database was slow.
  it('closes a connection whose messages pile up faster than they are handled with 1008', async () => {
    const w = await worker('flooder');
    const blocker = new Client({ connectionString: cp.database.url });
    await blocker.connect();
    try {
      // Every message of the connection waits on the runs table while this transaction holds it.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE runs IN ACCESS EXCLUSIVE MODE');
      const sends = Array.from({ length: 1_100 }, (_, i) => w.send('task_log', { task_id: '00000000-0000-4000-8000-000000000000', lines: [`line ${i}`] }).catch(() => undefined));
      expect(await w.closed).toMatchObject({ code: 1008, reason: 'too many messages waiting' });
      await Promise.all(sends);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await fetch(`${cp.origin}/health`)).status).toBe(200);
  });

  // Bug fixed: a connection that answered task_rejected while holding no task of its own was marked
  // full until one of its tasks ended, which never came: its runs waited forever.
  it('offers a rejected run again to the same lone worker after a back-off', async () => {
    const lone = await worker('lone-worker');
    const runId = await createRun('try me again');
    expect((await lone.next('task_assignment')).task_id).toBe(runId);
    await lone.send('task_rejected', { task_id: runId, reason: 'worker at maximum concurrency' });
    expect((await lone.next('task_assignment', 10_000)).task_id).toBe(runId);
    await lone.send('task_claimed', { task_id: runId, worker_id: 'lone-worker' });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
  });

  it('lets a reconnected worker’s completion of a task claimed on its old connection free its capacity', async () => {
    const before = await worker('one-slot', { max_concurrent_tasks: '1' });
    const first = await createRun('first');
    await before.next('task_assignment');
    await before.send('task_claimed', { task_id: first, worker_id: 'one-slot' });
    await waitForRun(cp.sdk(token), first, inState('CLAIMED'));
    await before.close();

    const after = await worker('one-slot', { max_concurrent_tasks: '1' });
    const second = await createRun('second');
    expect((await after.next('task_assignment')).task_id).toBe(second);
    await after.send('task_rejected', { task_id: second, reason: 'worker at maximum concurrency' });
    await after.send('task_completed', { task_id: first, message: 'Task completed successfully' });
    await waitForRun(cp.sdk(token), first, inState('SUCCEEDED'));
    expect((await after.next('task_assignment', 10_000)).task_id).toBe(second);
  });
});
