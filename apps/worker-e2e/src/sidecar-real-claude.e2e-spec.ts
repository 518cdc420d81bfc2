import { startFakeAnthropicServer, type FakeLlmServer } from '@oz/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane';
import { assertSidecarTestsReady, CLAUDE_BINARY, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';

/**
 * The real Claude Code CLI (@anthropic-ai/claude-code, installed from npm by the images target, its
 * native binary mounted into the test task image) driven by the entrypoint through the gateway of a
 * fake control plane to a fake Anthropic server that streams server-sent events and calls a tool: the
 * CLI runs the tool in the container with no prompt, sends its result back and prints the answer.
 */
describe('a real harness CLI: Claude Code', () => {
  const token = 'oz-task-token-real-claude-0123456789ab';
  let sidecar: string;
  let anthropic: FakeLlmServer;
  let controlPlane: FakeControlPlane;
  const runs: TaskRun[] = [];

  beforeAll(async () => {
    assertSidecarTestsReady({ realClaude: true });
    sidecar = await materialiseSidecarOfficially();
    anthropic = await startFakeAnthropicServer({ apiKey: token });
    controlPlane = await startFakeControlPlane({ token, anthropic });
  }, 60_000);

  afterAll(async () => {
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(runs);
    await Promise.all([anthropic?.close(), controlPlane?.close()]);
  });

  it('runs a tool unattended as root and answers, streamed through the gateway with the run’s token', async () => {
    const command = 'echo "proof-$((6 * 7))" > /workspace/proof.txt';
    anthropic.script((request, index) =>
      index === 0
        ? { kind: 'tool-use', name: 'Bash', input: { command, description: 'Write the proof file' }, text: 'I will write the proof.' }
        : { kind: 'answer', text: 'Wrote the proof. Opened https://github.com/acme/app/pull/7 (branch: oz/proof)' },
    );
    const runId = 'run-real-claude';
    const result = await runTask({
      sidecar,
      network: 'host',
      taskId: runId,
      harness: 'claude',
      mounts: [`${CLAUDE_BINARY}:/usr/local/bin/claude:ro`],
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        OZ_HARNESS: 'claude',
        OZ_MODEL_ID: 'claude-gateway-model',
        OZ_TASK_PROMPT: 'Write the proof file, then tell me.',
        OZ_TASK_TOKEN: token,
        OZ_API_BASE_URL: controlPlane.apiBaseUrl,
        OZ_RUN_ID: runId,
        OZ_ENV_REPOS: '',
        OZ_ENV_SETUP_COMMANDS: '',
      },
      timeoutMs: 120_000,
    });
    runs.push(result);

    expect({ code: result.code, log: result.code === 0 ? '' : result.log }).toEqual({ code: 0, log: '' });
    // The tool ran in the container, with no permission prompt.
    expect(readFileSync(join(result.workspace, 'proof.txt'), 'utf8')).toBe('proof-42\n');
    expect(result.output).toBe('Wrote the proof. Opened https://github.com/acme/app/pull/7 (branch: oz/proof)\n');

    // Two streamed turns through the gateway route, with the run's token as x-api-key and the model.
    expect(controlPlane.gatewayCalls.map((call) => call.url)).toEqual(['/api/v1/llm/anthropic/v1/messages?beta=true', '/api/v1/llm/anthropic/v1/messages?beta=true']);
    expect(anthropic.requests).toHaveLength(2);
    for (const request of anthropic.requests) {
      expect(request).toMatchObject({ model: 'claude-gateway-model', stream: true });
      expect(request.headers['x-api-key']).toBe(token);
      expect(request.headers['user-agent']).toMatch(/^claude-cli\/2\.1\.332/);
    }
    const tools = (anthropic.requests[0]?.body['tools'] as Array<{ name: string }>).map((tool) => tool.name);
    expect(tools).toContain('Bash');
    expect(JSON.stringify(anthropic.requests[0]?.body['messages'])).toContain('Write the proof file, then tell me.');
    // The second turn carries the tool's result for the tool call of the first.
    const messages = anthropic.requests[1]?.body['messages'] as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    const call = messages.at(-2)?.content.find((block) => block['type'] === 'tool_use');
    const answer = messages.at(-1)?.content.find((block) => block['type'] === 'tool_result');
    expect(call).toMatchObject({ name: 'Bash', input: { command } });
    expect(answer).toMatchObject({ tool_use_id: call?.['id'], is_error: false });

    // The entrypoint's own reports.
    expect(controlPlane.reports.find((r) => r.runId === runId && r.kind === 'output')?.body).toBe(result.output);
    expect((await controlPlane.finished(runId)).body).toBe('{"exit_code": 0}');
    expect(result.log).not.toContain(token);
  }, 150_000);
});
