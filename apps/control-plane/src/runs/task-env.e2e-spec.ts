import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import { readErrorBody } from '../testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'task-env-worker-token-0123456789';
const JSON_BODY = { 'content-type': 'application/json' };
const TASK_ENV = { OZ_ROOM_API_URL: 'http://workspace.test:3000/api', OZ_ROOM_TOKEN: 'oz_room_0123456789abcdef_callbackSecretValue42' };
const REDACTED = { OZ_ROOM_API_URL: '<redacted>', OZ_ROOM_TOKEN: '<redacted>' };

/**
 * `config.task_env`, our extension for the variables a worker run's task container gets besides the
 * control plane's own (a workspace room's callback URL and token): validated, sealed at rest, shown
 * "<redacted>" in every answer, and given in the clear only in the worker assignment's env_vars.
 */
describe('a run’s task_env', () => {
  let cp: ControlPlaneHarness;
  let environmentId: string;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('task-env');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200' });
    const created = await cp.request('/api/v1/environments', { token, method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'rooms', docker_image: 'oz-task:test' }) });
    environmentId = ((await created.json()) as { id: string }).id;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    const { runs } = await cp.sdk(token).agent.runs.list({ state: ['PENDING', 'CLAIMED', 'INPROGRESS'], limit: 100 });
    await Promise.all(runs.map((run) => cp.sdk(token).agent.runs.cancel(run.run_id)));
  });
  afterAll(() => cp.close());

  const create = (config: Record<string, unknown>, prompt = 'work in the room') =>
    cp.request('/api/v1/agent/run', { token, method: 'POST', headers: JSON_BODY, body: JSON.stringify({ prompt, config }) });

  async function worker(workerId: string): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, WORKER_TOKEN, workerId);
    workers.push(connected);
    return connected;
  }

  it('is shown redacted to everyone, stored sealed, and given to the worker in the assignment’s env_vars only', async () => {
    const response = await create({ environment_id: environmentId, harness: { type: 'claude' }, task_env: TASK_ENV });
    expect(response.status).toBe(201);
    const { run_id } = (await response.json()) as { run_id: string };

    for (const viewer of [token, cp.adminKey]) {
      expect((await retrieveRun(cp.sdk(viewer), run_id)).agent_config).toEqual({ environment_id: environmentId, harness: { type: 'claude' }, task_env: REDACTED });
      const listed = JSON.stringify(await cp.sdk(viewer).agent.runs.list());
      for (const value of Object.values(TASK_ENV)) expect(listed).not.toContain(value);
    }

    // The row: nothing in the clear, the values sealed beside it.
    const [{ whole }] = await cp.dataSource.query(`SELECT row_to_json(t)::text AS whole FROM runs t WHERE id = $1`, [run_id]);
    for (const value of Object.values(TASK_ENV)) expect(whole).not.toContain(value);
    const [{ task_env_ciphertext }] = await cp.dataSource.query(`SELECT task_env_ciphertext FROM runs WHERE id = $1`, [run_id]);
    expect(task_env_ciphertext).toMatch(/^v2\./);

    const assignment = await (await worker('task-env-worker')).next('task_assignment');
    expect(assignment.task_id).toBe(run_id);
    expect(assignment.env_vars).toMatchObject({ ...TASK_ENV, OZ_HARNESS: 'claude', OZ_RUN_ID: run_id });
    expect(assignment.env_vars?.['OZ_TASK_TOKEN']).toMatch(/^oz_task_/);
    // The snapshot of the config is the stored one: names, no values.
    expect(assignment.task.agent_config_snapshot.task_env).toEqual(REDACTED);
  });

  it('keeps a run without it as before: no variable, no ciphertext, nothing in agent_config', async () => {
    const { run_id } = (await (await create({ environment_id: environmentId, task_env: {} })).json()) as { run_id: string };
    expect((await retrieveRun(cp.sdk(token), run_id)).agent_config).toEqual({ environment_id: environmentId });
    const [{ task_env_ciphertext }] = await cp.dataSource.query(`SELECT task_env_ciphertext FROM runs WHERE id = $1`, [run_id]);
    expect(task_env_ciphertext).toBeNull();
    const assignment = await (await worker('plain-worker')).next('task_assignment');
    expect(Object.keys(assignment.env_vars ?? {}).filter((name) => name.startsWith('OZ_ROOM_'))).toEqual([]);
  });

  it.each([
    ['a name outside OZ_ROOM_', { OZ_TASK_TOKEN: 'forged-token' }, 'config.task_env', /config\.task_env\.OZ_TASK_TOKEN: variable names must start with OZ_ROOM_/],
    ['a lower-case name', { oz_room_token: 'x' }, 'config.task_env', /variable names must start with OZ_ROOM_/],
    ['a value that is not a string', { OZ_ROOM_PORT: 3000 }, 'config.task_env', /config\.task_env\.OZ_ROOM_PORT must be a string/],
    ['a value of two lines', { OZ_ROOM_TOKEN: 'x\nOZ_TASK_TOKEN=forged' }, 'config.task_env', /config\.task_env\.OZ_ROOM_TOKEN must be one line/],
    ['too many variables', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`OZ_ROOM_V${i}`, 'x'])), 'config.task_env', /at most 16 variables/],
    ['an array', ['OZ_ROOM_TOKEN=x'], 'config.task_env', /config\.task_env must be an object/],
    ['"<redacted>" copied from an answer', { OZ_ROOM_TOKEN: '<redacted>' }, 'config.task_env.OZ_ROOM_TOKEN', /names no stored value/],
  ])('refuses %s with a 400 naming the field', async (_, taskEnv, field, message) => {
    const response = await create({ environment_id: environmentId, task_env: taskEnv });
    expect(response.status).toBe(400);
    const body = await readErrorBody(response);
    expect(body.errors?.[0]?.field).toBe(field);
    expect(body.message).toMatch(message);
  });

  it('refuses it on a run without an environment, which has no task container to give it to', async () => {
    const response = await create({ task_env: TASK_ENV });
    expect(response.status).toBe(400);
    const body = await readErrorBody(response);
    expect(body.errors?.map((e) => e.field)).toEqual(['config.task_env']);
    expect(body.message).toMatch(/for worker runs only/);
  });

  it('fails the run, not the dispatcher, when the sealed values do not open', async () => {
    const { run_id } = (await (await create({ environment_id: environmentId, task_env: TASK_ENV }, 'tampered')).json()) as { run_id: string };
    const { run_id: other } = (await (await create({ environment_id: environmentId, task_env: TASK_ENV }, 'other')).json()) as { run_id: string };
    // Sealed for its own run id, the other run's value does not open here.
    await cp.dataSource.query(`UPDATE runs SET task_env_ciphertext = (SELECT task_env_ciphertext FROM runs WHERE id = $2) WHERE id = $1`, [run_id, other]);
    await cp.sdk(token).agent.runs.cancel(other);

    await worker('tamper-worker');
    const failed = await waitForRun(cp.sdk(token), run_id, inState('FAILED'));
    expect(failed.status_message?.message).toBe('The run cannot be given to a worker: its task_env cannot be decrypted');
  });
});
