import {
  assertBuilt,
  createTestDatabase,
  inState,
  removeContainers,
  retrieveRun,
  startBuiltApp,
  startFakeAnthropicServer,
  waitForRun,
  type FakeLlmServer,
  type ServerProcess,
  type TestDatabase,
} from '@oz/testing';
import { execFileSync } from 'node:child_process';
import { controlPlaneSettings, createEnvironment, startControlPlane, tenantToken, type ControlPlane } from './support/control-plane';
import { assertDockerReady, taskContainersOf } from './support/images';
import { FAKE_CLIS } from './support/sidecar-tasks';
import { stopWorker, WORKER_TOKEN } from './support/workers';

const SERVER_KEY = 'sk-ant-server-side-e2e-0123456789abcdef';
const BACKUP_KEY = 'sk-ant-backup-e2e-0123456789abcdef';

/**
 * The whole path on a real Docker engine, with our worker: a task whose `claude` (the stand-in from
 * docker/test-task/fake-clis, which calls the Anthropic API at $ANTHROPIC_BASE_URL with
 * $ANTHROPIC_API_KEY) reaches the control plane's LLM gateway with the run's task token; the fake
 * Anthropic provider sees the server-side key; quotas hold across gateway calls. Task containers use
 * the host's network (OZ_TASK_NETWORK=host) and reach the control plane on 127.0.0.1, which is what
 * OZ_PUBLIC_URL defaults to on a loopback bind.
 */
describe('the LLM gateway from a task container of our worker', () => {
  let database: TestDatabase;
  let cp: ControlPlane;
  let primary: FakeLlmServer;
  let backup: FakeLlmServer;
  let worker: ServerProcess;
  let environmentId: string;
  const token = tenantToken('gateway');
  const runs: string[] = [];

  beforeAll(async () => {
    assertDockerReady();
    assertBuilt('worker');
    database = await createTestDatabase('oz_gateway_worker');
    [primary, backup] = await Promise.all([startFakeAnthropicServer({ apiKey: SERVER_KEY }), startFakeAnthropicServer({ apiKey: BACKUP_KEY })]);
    cp = await startControlPlane(controlPlaneSettings(database), {
      OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BASE_URL: primary.url,
      OZ_PROVIDER_CLAUDE_API_KEY: SERVER_KEY,
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-server-model',
      // Two calls an hour; then the claude-code harness falls back.
      OZ_PROVIDER_CLAUDE_MSG_LIMIT: '2',
      OZ_PROVIDER_CLAUDE_WINDOW_SECONDS: '3600',
      OZ_PROVIDER_CLAUDE_BACKUP_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BACKUP_BASE_URL: backup.url,
      OZ_PROVIDER_CLAUDE_BACKUP_API_KEY: BACKUP_KEY,
      OZ_PROVIDER_CLAUDE_BACKUP_MODEL: 'backup-model',
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'claude_backup',
    });
    // Containers are kept (--no-cleanup) so the test can inspect them; they are removed in afterAll.
    worker = startBuiltApp('worker', ['--worker-id', 'gateway-worker', '--max-concurrent-tasks', '1', '--no-cleanup', '--mount', `${FAKE_CLIS}:/opt/fake-clis:ro`], {
      ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}),
      OZ_CONTROL_PLANE_URL: cp.origin,
      OZ_WORKER_API_KEY: WORKER_TOKEN,
      OZ_TASK_NETWORK: 'host',
      OZ_TASK_MEMORY_MB: '256',
      OZ_LOG_LEVEL: 'warn',
    });
    environmentId = await createEnvironment(cp, token, { name: 'fake-claude', env_vars: { PATH: '/opt/fake-clis:/usr/bin:/bin' } });
  }, 120_000);

  afterAll(async () => {
    if (worker) await stopWorker(worker, 'SIGKILL');
    removeContainers(runs.flatMap(taskContainersOf));
    await cp?.server.stop();
    await Promise.all([primary?.close(), backup?.close()]);
    await database?.drop();
  });

  async function claudeRun(prompt: string) {
    const sdk = cp.sdk(token);
    // `harness` is a field of the API the SDK's types do not list yet.
    const config = { environment_id: environmentId, model_id: 'claude-sonnet-4-5', harness: { type: 'claude' } } as never;
    const { run_id } = await sdk.agent.run({ prompt, config });
    runs.push(run_id);
    return waitForRun(sdk, run_id, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
  }

  it('ends SUCCEEDED with the answer and a PR artifact; the provider saw only its own key, the container none, and the token dies with the run', async () => {
    primary.enqueue({ kind: 'answer', text: 'I fixed the bug in auth.go' });
    const run = await claudeRun('Fix the auth bug');
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: 'I fixed the bug in auth.go\nOpened https://github.com/acme/app/pull/42 (branch: oz/fake-claude)\n',
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/42', branch: 'oz/fake-claude' } }],
    });
    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0]).toMatchObject({ model: 'claude-server-model', prompt: 'Fix the auth bug' });
    expect(primary.requests[0]?.headers['x-api-key']).toBe(SERVER_KEY);
    expect(run.request_usage).toMatchObject({ calls: 1, failed_calls: 0, by_provider: [{ provider: 'claude', calls: 1 }] });
    expect(run.request_usage?.input_tokens).toBeGreaterThan(0);

    // What the task container had: the run's token and the gateway's address, never a provider key.
    const [container] = taskContainersOf(run.run_id);
    const inspected = execFileSync('docker', ['inspect', container ?? 'none'], { encoding: 'utf8' });
    expect(inspected).not.toContain(SERVER_KEY);
    expect(inspected).not.toContain(BACKUP_KEY);
    const env = (JSON.parse(inspected) as Array<{ Config: { Env: string[] } }>)[0]?.Config.Env ?? [];
    expect(env).toContain(`OZ_API_BASE_URL=${cp.origin}/api/v1`);
    const taskToken = env.find((line) => line.startsWith('OZ_TASK_TOKEN='))?.slice('OZ_TASK_TOKEN='.length) ?? '';
    expect(taskToken).toMatch(/^oz_task_/);

    // The log came once (our worker streams it; the entrypoint's own batches are not stored again).
    const lines = ((await (await cp.request(`/api/v1/agent/runs/${run.run_id}/logs`, { token })).json()) as { lines: Array<{ line: string }> }).lines.map((l) => l.line);
    expect(lines.filter((line) => line.startsWith('claude argv:'))).toEqual(['claude argv: [-p] [--dangerously-skip-permissions] [--model] [claude-sonnet-4-5]']);
    expect(lines).toContain('leak: ***');
    expect(lines.join('\n')).not.toContain(taskToken);

    const after = await fetch(`${cp.origin}/api/v1/llm/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': taskToken, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(after.status).toBe(401);
    expect(primary.requests).toHaveLength(1);
  }, 90_000);

  it('holds the provider’s quota across the gateway calls of several tasks: past two calls an hour, the backup answers', async () => {
    primary.reset();
    backup.reset();
    primary.script(() => ({ kind: 'answer', text: 'answered by the primary' }));
    backup.script(() => ({ kind: 'answer', text: 'answered by the backup' }));
    const second = await claudeRun('second task');
    const third = await claudeRun('third task');
    expect([second.state, third.state]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // The first test's call and the second task's: the primary's two calls of the hour.
    expect(primary.requests.map((r) => r.prompt)).toEqual(['second task']);
    expect(backup.requests.map((r) => [r.prompt, r.headers['x-api-key']])).toEqual([['third task', BACKUP_KEY]]);
    expect(third.output).toMatch(/^answered by the backup\n/);
    expect(third.request_usage?.by_provider).toEqual([{ provider: 'claude_backup', calls: 1, failed_calls: 0, input_tokens: expect.any(Number), output_tokens: expect.any(Number) }]);
    // The admin's view counts the same calls.
    const status = (await (await cp.request('/api/v1/admin/providers')).json()) as { providers: Array<{ key: string; quota: { used: number } | null; gateway_usage: { calls: number } }> };
    expect(status.providers.find((p) => p.key === 'claude')).toMatchObject({ quota: { used: 2 }, gateway_usage: { calls: 2 } });
    expect(status.providers.find((p) => p.key === 'claude_backup')?.gateway_usage.calls).toBe(1);
    expect((await retrieveRun(cp.sdk(token), second.run_id)).request_usage?.by_provider.map((p) => p.provider)).toEqual(['claude']);
  }, 120_000);
});
