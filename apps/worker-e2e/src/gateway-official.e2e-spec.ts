import {
  connectScriptedWorker,
  createTestDatabase,
  inState,
  retrieveRun,
  startFakeAnthropicServer,
  waitForRun,
  type FakeLlmServer,
  type ScriptedWorker,
  type TestDatabase,
} from '@oz/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaneSettings, createEnvironment, startControlPlane, tenantToken, type ControlPlane } from './support/control-plane';
import { assertSidecarTestsReady, CLAUDE_BINARY, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';
import { WORKER_TOKEN } from './support/workers';

const SERVER_KEY = 'sk-ant-server-side-official-0123456789';

/**
 * Runs of a worker that reports nothing itself, as Warp's official worker: a scripted worker takes
 * each run (assignment, claim) and the test runs its task container the way the official Docker
 * backend does (the sidecar materialised officially, the assignment's variables, host networking so
 * 127.0.0.1 is the control plane), so the run's log and output can only come from the entrypoint's
 * own reports to the real control plane; its harness CLI reaches the provider only through the
 * control plane's LLM gateway. Then the same with the real Claude Code CLI from npm.
 */
describe('runs of an official worker, through the real gateway', () => {
  let database: TestDatabase;
  let cp: ControlPlane;
  let anthropic: FakeLlmServer;
  let official: ScriptedWorker;
  let sidecar: string;
  let environmentId: string;
  const token = tenantToken('official');
  const tasks: TaskRun[] = [];

  beforeAll(async () => {
    assertSidecarTestsReady({ realClaude: true });
    database = await createTestDatabase('oz_gateway_official');
    anthropic = await startFakeAnthropicServer({ apiKey: SERVER_KEY });
    cp = await startControlPlane(controlPlaneSettings(database), {
      OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BASE_URL: anthropic.url,
      OZ_PROVIDER_CLAUDE_API_KEY: SERVER_KEY,
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-server-model',
    });
    sidecar = await materialiseSidecarOfficially();
    official = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'official-1');
    environmentId = await createEnvironment(cp, token, { name: 'official' });
  }, 120_000);

  afterAll(async () => {
    await official?.close();
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(tasks);
    await cp?.server.stop();
    await anthropic?.close();
    await database?.drop();
  });

  beforeEach(() => anthropic.reset());

  /** Takes a new run as the official worker does and runs its task container; then reports the end as it would, with nothing else. */
  async function officialRun(prompt: string, task: { fakeClis?: boolean; mounts?: string[]; path?: string }): Promise<{ runId: string; task: TaskRun }> {
    const config = { environment_id: environmentId, model_id: 'claude-sonnet-4-5', harness: { type: 'claude' } } as never;
    const { run_id: runId } = await cp.sdk(token).agent.run({ prompt, config });
    const assignment = await official.next('task_assignment', 30_000);
    expect(assignment.task_id).toBe(runId);
    await official.send('task_claimed', { task_id: runId });
    await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
    const env: Record<string, string> = { ...(assignment.env_vars ?? {}), ...(task.path ? { PATH: task.path } : {}) };
    expect(env['OZ_API_BASE_URL']).toBe(`${cp.origin}/api/v1`);
    const result = await runTask({ sidecar, network: 'host', taskId: runId, harness: 'claude', fakeClis: task.fakeClis, mounts: task.mounts, env, timeoutMs: 120_000 });
    tasks.push(result);
    // The official worker's last word: no output, no artifacts, no logs.
    await official.send(result.code === 0 ? 'task_completed' : 'task_failed', { task_id: runId, ...(result.code === 0 ? {} : { exit_code: result.code }) });
    return { runId, task: result };
  }

  async function logLines(runId: string): Promise<string[]> {
    return ((await (await cp.request(`/api/v1/agent/runs/${runId}/logs`, { token })).json()) as { lines: Array<{ line: string }> }).lines.map((l) => l.line);
  }

  it('yields the output, artifacts and log through the entrypoint’s own reports, the CLI reaching the provider through the gateway', async () => {
    anthropic.enqueue({ kind: 'answer', text: 'Fixed the login bug' });
    const { runId, task } = await officialRun('Fix the login bug', { fakeClis: true });
    expect(task.code).toBe(0);
    const run = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED', 'CANCELLED'));
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: 'Fixed the login bug\nOpened https://github.com/acme/app/pull/42 (branch: oz/fake-claude)\n',
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/42' } }],
      request_usage: { calls: 1, failed_calls: 0 },
    });
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe(SERVER_KEY);
    expect(anthropic.requests[0]?.model).toBe('claude-server-model');
    const lines = await logLines(runId);
    expect(lines).toEqual(expect.arrayContaining(['claude argv: [-p] [--dangerously-skip-permissions] [--model] [claude-sonnet-4-5]', 'leak: ***', 'Fixed the login bug']));
    expect(task.log).not.toContain('failed');
  }, 120_000);

  it('runs the real Claude Code CLI against the gateway: a tool runs unattended, streamed with tools through to the provider', async () => {
    const command = 'echo "proof-$((6 * 7))" > /workspace/proof.txt';
    anthropic.script((_, index) =>
      index === 0
        ? { kind: 'tool-use', name: 'Bash', input: { command, description: 'Write the proof file' }, text: 'I will write the proof.' }
        : { kind: 'answer', text: 'Wrote the proof. Opened https://github.com/acme/app/pull/7 (branch: oz/proof)' },
    );
    const { runId, task } = await officialRun('Write the proof file, then tell me.', {
      mounts: [`${CLAUDE_BINARY}:/usr/local/bin/claude:ro`],
      path: '/usr/local/bin:/usr/bin:/bin',
    });
    expect({ code: task.code, log: task.code === 0 ? '' : task.log }).toEqual({ code: 0, log: '' });
    expect(readFileSync(join(task.workspace, 'proof.txt'), 'utf8')).toBe('proof-42\n');

    const run = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED', 'CANCELLED'));
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: 'Wrote the proof. Opened https://github.com/acme/app/pull/7 (branch: oz/proof)\n',
      artifacts: [{ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/7', branch: 'oz/proof' } }],
    });
    // Two streamed turns, each with Claude Code's own request, the server-side key and the provider's model.
    expect(anthropic.requests).toHaveLength(2);
    for (const request of anthropic.requests) {
      expect(request).toMatchObject({ model: 'claude-server-model', stream: true, search: '?beta=true' });
      expect(request.headers['x-api-key']).toBe(SERVER_KEY);
      expect(request.headers['user-agent']).toMatch(/^claude-cli\/2\.1\.332/);
      expect(String(request.headers['anthropic-beta'])).not.toBe('');
    }
    expect((anthropic.requests[0]?.body['tools'] as Array<{ name: string }>).map((tool) => tool.name)).toContain('Bash');
    const messages = anthropic.requests[1]?.body['messages'] as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    const call = messages.at(-2)?.content.find((block) => block['type'] === 'tool_use');
    expect(call).toMatchObject({ name: 'Bash', input: { command } });
    expect(messages.at(-1)?.content.find((block) => block['type'] === 'tool_result')).toMatchObject({ tool_use_id: call?.['id'], is_error: false });
    // Both calls counted on the run, with the tokens the provider reported.
    const usage = (await retrieveRun(cp.sdk(token), runId)).request_usage;
    expect(usage).toMatchObject({ calls: 2, failed_calls: 0, by_provider: [{ provider: 'claude', calls: 2 }] });
    expect(usage?.output_tokens).toBeGreaterThan(0);
  }, 150_000);
});
