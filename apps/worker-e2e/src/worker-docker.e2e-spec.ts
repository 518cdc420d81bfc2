import { sleep } from '@oz/server-kit';
import { createTestDatabase, inState, removeContainers, retrieveRun, waitForRun, type ServerProcess, type TestDatabase } from '@oz/testing';
import { rmSync } from 'node:fs';
import { controlPlaneSettings, createEnvironment, startControlPlane, tenantToken, type ControlPlane } from './support/control-plane';
import { assertDockerReady, taskContainersOf } from './support/images';
import { createRepositories } from './support/repositories';
import { runWorkerCommand, startWorker, stopWorker, WORKER_TOKEN } from './support/workers';

/**
 * Worker mode end to end on a real Docker engine: the official SDK creates an environment and a
 * run, the control plane (its build, as a process) assigns it to our worker (its build, as a process),
 * which runs the task image with the sidecar mounted at /agent. Task containers have no network; the
 * repository is a local git repo mounted into them.
 */
describe('worker mode on a real Docker engine', () => {
  let database: TestDatabase;
  let cp: ControlPlane;
  let repos: string;
  const workers: ServerProcess[] = [];
  const token = tenantToken('docker');

  beforeAll(async () => {
    assertDockerReady();
    repos = createRepositories();
    database = await createTestDatabase('oz_worker_docker');
    cp = await startControlPlane(controlPlaneSettings(database), { OZ_WORKER_LEASE_SECONDS: '5' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorker(worker, 'SIGKILL')));
    await cp?.server.stop();
    await database?.drop();
    if (repos) rmSync(repos, { recursive: true, force: true });
  });

  function startDockerWorker(workerId: string): ServerProcess {
    const worker = startWorker(cp.origin, workerId, { mounts: [`${repos}:/srv/repos:ro`] });
    workers.push(worker);
    return worker;
  }

  const environment = (name: string, envVars: Record<string, string>, extra: Record<string, unknown> = {}) =>
    createEnvironment(cp, token, { name, env_vars: envVars, ...extra });

  const tasksOf = (runId: string) => taskContainersOf(runId).join('\n');

  async function logLines(runId: string): Promise<string[]> {
    const logs = (await (await cp.request(`/api/v1/agent/runs/${runId}/logs`, { token })).json()) as { lines: { line: string }[] };
    return logs.lines.map((l) => l.line);
  }

  it('runs a task: repos, setup commands and env vars arrive; the output file becomes the output, its PR link an artifact', async () => {
    startDockerWorker('docker-worker-1');
    const agent = [
      'echo "prompt: $(cat)"',
      'echo "secret: $API_TOKEN"',
      'echo "repo: $(cat /workspace/app/README.md)"',
      'echo "setup: $(cat /workspace/setup-done)"',
      'echo "Opened https://github.com/acme/app/pull/17 (branch: oz/fix-readme)"',
    ].join('; ');
    const environmentId = await environment('full-flow', { API_TOKEN: 'tok-123', OZ_AGENT_COMMAND: agent }, {
      repos: ['file:///srv/repos/app'],
      setup_commands: ['echo ready > /workspace/setup-done'],
    });
    const sdk = cp.sdk(token);
    const { run_id } = await sdk.agent.run({ prompt: 'Update the README', config: { environment_id: environmentId } });
    const run = await waitForRun(sdk, run_id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
    expect(run.status_message).toBeNull();
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: [
        'prompt: Update the README',
        'secret: tok-123',
        'repo: hello from the repo',
        'setup: ready',
        'Opened https://github.com/acme/app/pull/17 (branch: oz/fix-readme)',
      ].join('\n'),
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/17', branch: 'oz/fix-readme' } }],
    });
    expect(await logLines(run_id)).toEqual(expect.arrayContaining(['oz-sidecar: setup: echo ready > /workspace/setup-done']));
    expect(tasksOf(run_id)).toBe(''); // the container was removed
  }, 90_000);

  it('fails the run with the agent’s exit code, and says so when the harness CLI is missing', async () => {
    const failing = await environment('failing', { OZ_AGENT_COMMAND: 'echo about to fail; exit 3' });
    const sdk = cp.sdk(token);
    const failed = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'fail', config: { environment_id: failing } })).run_id, inState('SUCCEEDED', 'FAILED'), 60_000);
    expect(failed.state).toBe('FAILED');
    expect(failed.status_message?.message).toBe('The agent exited with code 3 (container_exit, exit code 3)');
    expect(failed.output).toContain('about to fail');

    const noCli = await environment('no-cli', {});
    const missing = await waitForRun(
      sdk,
      (await sdk.agent.run({ prompt: 'use claude', config: { environment_id: noCli, harness: { type: 'claude' } } as never })).run_id,
      inState('SUCCEEDED', 'FAILED'),
      60_000,
    );
    expect(missing.state).toBe('FAILED');
    expect(missing.status_message?.message).toMatch(/exit code 127/);
    expect((await logLines(missing.run_id)).join('\n')).toMatch(/the claude CLI is not installed in this image/);
  }, 120_000);

  it('keeps a quiet task’s run alive past its lease: the worker’s reports renew it', async () => {
    // The agent prints nothing for 8 s, longer than the 5 s lease: only the worker's reports keep the run.
    const quiet = await environment('quiet', { OZ_AGENT_COMMAND: 'sleep 8; echo finally' });
    const sdk = cp.sdk(token);
    const { run_id } = await sdk.agent.run({ prompt: 'think quietly', config: { environment_id: quiet } });
    const run = await waitForRun(sdk, run_id, inState('SUCCEEDED', 'FAILED'), 60_000);
    expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'finally' });
  }, 90_000);

  it('stops the container when the run is cancelled, and ends CANCELLED', async () => {
    const slow = await environment('slow', { OZ_AGENT_COMMAND: 'echo started; sleep 120' });
    const sdk = cp.sdk(token);
    const { run_id } = await sdk.agent.run({ prompt: 'take forever', config: { environment_id: slow } });
    await waitForRun(sdk, run_id, inState('INPROGRESS'), 60_000);
    expect(tasksOf(run_id)).not.toBe('');
    await sdk.agent.runs.cancel(run_id);
    for (const deadline = Date.now() + 20_000; tasksOf(run_id) !== '' && Date.now() < deadline; ) await sleep(200);
    expect(tasksOf(run_id)).toBe('');
    await sleep(500);
    expect((await retrieveRun(sdk, run_id)).state).toBe('CANCELLED');
  }, 90_000);

  it('fails the runs of a worker killed mid-run once its lease lapses', async () => {
    for (const worker of workers.splice(0)) await stopWorker(worker);
    const doomed = startDockerWorker('doomed-worker');
    const slow = await environment('slow-doomed', { OZ_AGENT_COMMAND: 'sleep 120' });
    const sdk = cp.sdk(token);
    const { run_id } = await sdk.agent.run({ prompt: 'outlive the worker', config: { environment_id: slow } });
    await waitForRun(sdk, run_id, inState('INPROGRESS'), 60_000);
    await stopWorker(doomed, 'SIGKILL');
    const run = await waitForRun(sdk, run_id, inState('FAILED', 'SUCCEEDED'), 30_000);
    expect(run.status_message?.message).toMatch(/^Lost contact with worker doomed-worker/);
    removeContainers(taskContainersOf(run_id));
  }, 120_000);

  it('on SIGTERM stops its containers, reports their runs failed (graceful_shutdown) and exits 0', async () => {
    const stopping = startDockerWorker('stopping-worker');
    const slow = await environment('slow-stopping', { OZ_AGENT_COMMAND: 'sleep 120' });
    const sdk = cp.sdk(token);
    const { run_id } = await sdk.agent.run({ prompt: 'interrupted by a shutdown', config: { environment_id: slow } });
    await waitForRun(sdk, run_id, inState('INPROGRESS'), 60_000);
    const { code } = await stopWorker(stopping, 'SIGTERM');
    expect(code).toBe(0);
    expect(tasksOf(run_id)).toBe('');
    const run = await waitForRun(sdk, run_id, inState('FAILED', 'SUCCEEDED'), 10_000);
    expect(run.status_message?.message).toMatch(/^The worker stopped while the task ran \(graceful_shutdown/);
  }, 120_000);

  it('exits with a clear message when the control plane cannot be reached and the reconnect limit is hit', async () => {
    const lonely = runWorkerCommand(['--worker-id', 'lonely', '--control-plane-url', 'http://127.0.0.1:9'], {
      OZ_WORKER_API_KEY: WORKER_TOKEN,
      OZ_RECONNECT_MAX_ATTEMPTS: '2',
      OZ_LOG_LEVEL: 'fatal',
    });
    const { code, stderr } = await lonely.exit;
    expect(code).toBe(69);
    expect(stderr).toMatch(/Could not connect to the control plane at ws:\/\/127\.0\.0\.1:9\/api\/v1\/selfhosted\/worker\/ws: 2 failed attempts \(OZ_RECONNECT_MAX_ATTEMPTS=2\)/);
  }, 30_000);
});
