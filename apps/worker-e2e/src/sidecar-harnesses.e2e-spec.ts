import { startFakeAnthropicServer, type FakeLlmServer } from '@oz/testing';
import { createHash } from 'node:crypto';
import { startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane';
import { assertSidecarTestsReady, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';

/**
 * The entrypoint driving each harness CLI, with stand-ins for the CLIs (docker/test-task/fake-clis)
 * that record how they were started. The fake claude really calls the Anthropic API at
 * $ANTHROPIC_BASE_URL with $ANTHROPIC_API_KEY: here a fake control plane on 127.0.0.1 whose gateway
 * passes the call, as it came, to a fake Anthropic server that only answers the run's token.
 */
describe('the entrypoint with each harness', () => {
  const token = 'oz-task-token-5f3a9c2e7b1d4086a2c4e6f8';
  const ownAnthropicKey = 'sk-ant-own-key-0123456789abcdef';
  let sidecar: string;
  let gateway: FakeLlmServer;
  let direct: FakeLlmServer;
  let controlPlane: FakeControlPlane;
  const runs: TaskRun[] = [];

  const digest = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

  beforeAll(async () => {
    assertSidecarTestsReady();
    sidecar = await materialiseSidecarOfficially();
    gateway = await startFakeAnthropicServer({ apiKey: token });
    direct = await startFakeAnthropicServer({ apiKey: ownAnthropicKey });
    controlPlane = await startFakeControlPlane({ token, anthropic: gateway });
  }, 60_000);

  afterAll(async () => {
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(runs);
    await Promise.all([gateway?.close(), direct?.close(), controlPlane?.close()]);
  });

  beforeEach(() => {
    gateway.reset();
    direct.reset();
  });

  /** A task of run `runId` with the fake CLIs on PATH, reporting to the fake control plane. */
  async function task(runId: string, env: Record<string, string>, options: { fakeClis?: boolean } = {}): Promise<TaskRun> {
    const result = await runTask({
      sidecar,
      network: 'host',
      taskId: runId,
      fakeClis: options.fakeClis ?? true,
      env: { OZ_TASK_TOKEN: token, OZ_API_BASE_URL: controlPlane.apiBaseUrl, OZ_RUN_ID: runId, OZ_ENV_REPOS: '', OZ_ENV_SETUP_COMMANDS: '', ...env },
    });
    runs.push(result);
    return result;
  }

  /** Nothing the task printed or reported holds the token. */
  function expectNoToken(result: TaskRun, runId: string): void {
    expect(result.log).not.toContain(token);
    for (const report of controlPlane.reports.filter((r) => r.runId === runId)) expect(report.body).not.toContain(token);
  }

  it('claude: -p with permissions skipped and the model, the prompt on stdin, through the gateway with the run’s token', async () => {
    gateway.enqueue({ kind: 'answer', text: 'I fixed the bug in auth.go' });
    const prompt = 'Fix the "auth" bug\nthen run the tests';
    const result = await task('run-claude', { OZ_HARNESS: 'claude', OZ_MODEL_ID: 'claude-sonnet-4-5', OZ_TASK_PROMPT: prompt });

    expect(result.code).toBe(0);
    // The CLI called the gateway route of the control plane, which the fake provider answered.
    expect(controlPlane.gatewayCalls.map((call) => call.url)).toEqual(['/api/v1/llm/anthropic/v1/messages']);
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0]).toMatchObject({ model: 'claude-sonnet-4-5', prompt });
    expect(gateway.requests[0]?.headers['x-api-key']).toBe(token);
    expect(result.log).toContain('claude argv: [-p] [--dangerously-skip-permissions] [--model] [claude-sonnet-4-5]');
    for (const line of [
      'claude env IS_SANDBOX=1',
      'claude env CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1',
      'claude env CLAUDE_CODE_MAX_RETRIES=3',
      `claude env ANTHROPIC_BASE_URL=${controlPlane.apiBaseUrl}/llm/anthropic`,
      'claude env ANTHROPIC_AUTH_TOKEN=<unset>',
      'claude env GIT_TERMINAL_PROMPT=0',
      `claude key sha256: ${digest(token)}`,
      'leak: ***',
      `oz-sidecar: claude talks to the LLM gateway at ${controlPlane.apiBaseUrl}/llm/anthropic with the run's token`,
      'oz-sidecar: running the claude agent (model claude-sonnet-4-5)',
    ]) {
      expect(result.log).toContain(line);
    }
    const output = 'I fixed the bug in auth.go\nOpened https://github.com/acme/app/pull/42 (branch: oz/fake-claude)\n';
    expect(result.output).toBe(output);

    // What the entrypoint reported by itself: the log (with the CLI's stderr), the output, the end.
    const reports = controlPlane.reports.filter((r) => r.runId === 'run-claude');
    expect(reports.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
    expect(controlPlane.logLines('run-claude')).toEqual(
      expect.arrayContaining(['claude argv: [-p] [--dangerously-skip-permissions] [--model] [claude-sonnet-4-5]', 'leak: ***', 'I fixed the bug in auth.go']),
    );
    expect(reports.find((r) => r.kind === 'output')?.body).toBe(output);
    expect((await controlPlane.finished('run-claude')).body).toBe('{"exit_code": 0}');
    expectNoToken(result, 'run-claude');
  }, 60_000);

  it('claude: the environment’s own key (and base URL) wins, and the gateway is not used', async () => {
    direct.enqueue({ kind: 'answer', text: 'straight to the provider' });
    const result = await task('run-claude-own', {
      OZ_HARNESS: 'claude',
      OZ_TASK_PROMPT: 'hello',
      OZ_ENV_VARS: `ANTHROPIC_API_KEY=${ownAnthropicKey}\nANTHROPIC_BASE_URL=${direct.url}`,
    });
    expect(result.code).toBe(0);
    expect(direct.requests).toHaveLength(1);
    expect(direct.requests[0]?.headers['x-api-key']).toBe(ownAnthropicKey);
    expect(gateway.requests).toHaveLength(0);
    expect(result.log).toContain('oz-sidecar: claude uses the environment\'s own Anthropic credentials and ANTHROPIC_BASE_URL');
    expect(result.log).toContain(`claude env ANTHROPIC_BASE_URL=${direct.url}`);
    expect(result.log).toContain(`claude key sha256: ${digest(ownAnthropicKey)}`);
    expect(result.log).toContain('claude argv: [-p] [--dangerously-skip-permissions]\n'); // no model: no --model
    expect(result.log).not.toContain(ownAnthropicKey); // a secret-named variable: masked
    expect(result.output).toContain('straight to the provider');
  }, 60_000);

  it('claude: an API error fails the run with the CLI’s exit code, reported as such', async () => {
    gateway.enqueue({ kind: 'status', status: 401, message: 'invalid x-api-key' });
    const result = await task('run-claude-401', { OZ_HARNESS: 'claude', OZ_TASK_PROMPT: 'hello' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^API Error: .*401/);
    expect(result.log).toContain('oz-sidecar: the agent exited with code 1');
    expect((await controlPlane.finished('run-claude-401')).body).toBe('{"exit_code": 1}');
  }, 60_000);

  it('codex: exec unattended and ephemeral with the model, prompt on stdin, a Responses provider for the gateway in $CODEX_HOME/config.toml', async () => {
    const result = await task('run-codex', { OZ_HARNESS: 'codex', OZ_MODEL_ID: 'gpt-5.5', OZ_TASK_PROMPT: 'Refactor the parser' });
    expect(result.code).toBe(0);
    expect(result.log).toContain('codex argv: [exec] [--dangerously-bypass-approvals-and-sandbox] [--skip-git-repo-check] [--ephemeral] [-m] [gpt-5.5] [-]');
    expect(result.log).toContain('codex env CODEX_HOME=/root/.codex');
    expect(configOf(result.log, 'codex')).toEqual([
      '# Written by the Oz sidecar entrypoint.',
      'model_provider = "oz"',
      '',
      '[model_providers.oz]',
      'name = "oz"',
      `base_url = "${controlPlane.apiBaseUrl}/llm/openai"`,
      'env_key = "OZ_TASK_TOKEN"',
      'wire_api = "responses"',
    ]);
    expect(result.log).toContain(`codex key sha256: ${digest(token)}`);
    expect(result.output).toBe('codex read: Refactor the parser\n');
    expect((await controlPlane.finished('run-codex')).body).toBe('{"exit_code": 0}');
    expectNoToken(result, 'run-codex');
  }, 60_000);

  it('codex: the environment’s OpenAI key and base URL become the provider (Codex ignores OPENAI_BASE_URL itself)', async () => {
    const ownKey = 'sk-own-openai-key-abcdef0123456789';
    const result = await task('run-codex-own', {
      OZ_HARNESS: 'codex',
      OZ_TASK_PROMPT: 'x',
      OZ_ENV_VARS: `OPENAI_API_KEY=${ownKey}\nOPENAI_BASE_URL=https://llm.internal.example/v1`,
    });
    expect(result.code).toBe(0);
    expect(configOf(result.log, 'codex')).toEqual(
      expect.arrayContaining(['model_provider = "environment"', 'base_url = "https://llm.internal.example/v1"', 'env_key = "OPENAI_API_KEY"', 'wire_api = "responses"']),
    );
    expect(result.log).toContain(`codex key sha256: ${digest(ownKey)}`);
    expect(result.log).toContain('codex argv: [exec] [--dangerously-bypass-approvals-and-sandbox] [--skip-git-repo-check] [--ephemeral] [-]');
  }, 60_000);

  it('gemini: yolo and trusted with the model, prompt on stdin, the gateway and the pinned auth type', async () => {
    const result = await task('run-gemini', { OZ_HARNESS: 'gemini', OZ_MODEL_ID: 'gemini-2.5-pro', OZ_TASK_PROMPT: 'Add a test' });
    expect(result.code).toBe(0);
    expect(result.log).toContain('gemini argv: [--yolo] [--skip-trust] [-m] [gemini-2.5-pro]');
    expect(result.log).toContain(`gemini env GOOGLE_GEMINI_BASE_URL=${controlPlane.apiBaseUrl}/llm/gemini`);
    const settings = JSON.parse(result.log.match(/^gemini settings: (.*)$/m)?.[1] ?? '{}') as Record<string, unknown>;
    expect(settings).toEqual({ security: { auth: { selectedType: 'gemini-api-key' } }, privacy: { usageStatisticsEnabled: false } });
    expect(result.log).toContain(`gemini key sha256: ${digest(token)}`);
    expect(result.output).toBe('gemini read: Add a test\n');
    expectNoToken(result, 'run-gemini');
  }, 60_000);

  it('gemini: the environment’s own GEMINI_API_KEY wins', async () => {
    const ownKey = 'AIza-own-gemini-key-0123456789';
    const result = await task('run-gemini-own', { OZ_HARNESS: 'gemini', OZ_TASK_PROMPT: 'x', OZ_ENV_VARS: `GEMINI_API_KEY=${ownKey}` });
    expect(result.code).toBe(0);
    expect(result.log).toContain('gemini env GOOGLE_GEMINI_BASE_URL=<unset>');
    expect(result.log).toContain(`gemini key sha256: ${digest(ownKey)}`);
  }, 60_000);

  it('says so and exits 127 when the harness CLI is not in the image', async () => {
    const result = await task('run-no-gemini', { OZ_HARNESS: 'gemini', OZ_TASK_PROMPT: 'x' }, { fakeClis: false });
    expect(result.code).toBe(127);
    expect(result.log).toContain('oz-sidecar: the gemini CLI is not installed in this image (harness gemini)');
    expect((await controlPlane.finished('run-no-gemini')).body).toBe('{"exit_code": 127}');
  }, 60_000);

  it('stops an agent that runs out of time: exit 124, and says so', async () => {
    const started = Date.now();
    const result = await task('run-slow', { OZ_TASK_PROMPT: 'x', OZ_AGENT_COMMAND: 'echo working; sleep 60', OZ_AGENT_TIMEOUT_SECONDS: '2' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(124);
    expect(result.log).toContain('oz-sidecar: the agent ran out of time (OZ_AGENT_TIMEOUT_SECONDS=2) and was stopped');
    expect(result.output).toBe('working\n');
  }, 60_000);

  it('exits 78 on a bad configuration, saying what is wrong', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ OZ_HARNESS: 'cobol' }, "unknown harness 'cobol'"],
      [{ OZ_HARNESS: 'custom' }, 'harness custom needs OZ_AGENT_COMMAND'],
      [{ OZ_HARNESS: 'claude', OZ_MODEL_ID: '--dangerously-load-plugins' }, "the model id '--dangerously-load-plugins' is not one a CLI can be given"],
      [{ OZ_AGENT_COMMAND: 'true', OZ_AGENT_TIMEOUT_SECONDS: 'soon' }, "OZ_AGENT_TIMEOUT_SECONDS must be a positive number of seconds, not 'soon'"],
      [{ OZ_HARNESS: 'codex', OZ_TASK_PROMPT: '' }, 'the run has no prompt'],
      [{ OZ_AGENT_COMMAND: 'true', OZ_ENV_REPOS: 'not a repo' }, "cannot clone 'not a repo'"],
    ];
    for (const [env, message] of cases) {
      const result = await task(`run-bad-${cases.findIndex((c) => c[0] === env)}`, { OZ_TASK_PROMPT: 'x', ...env });
      expect({ env, code: result.code }).toEqual({ env, code: 78 });
      expect(result.log).toContain(message);
    }
  }, 120_000);

  it('lets OZ_ENV_VARS set variables but never replace the run’s own OZ_* variables', async () => {
    const result = await task('run-reserved', {
      OZ_TASK_PROMPT: 'the real prompt',
      OZ_ENV_VARS: ['OZ_API_BASE_URL=http://127.0.0.1:9/api/v1', 'OZ_TASK_PROMPT=a forged prompt', 'OZ_AGENT_COMMAND=echo "$(cat) / $GREETING"', 'GREETING=hi there', '1BAD=x'].join('\n'),
    });
    expect(result).toMatchObject({ code: 0, output: 'the real prompt / hi there\n' });
    expect(result.log).toContain('oz-sidecar: OZ_ENV_VARS does not replace OZ_API_BASE_URL, which the run or the worker sets');
    expect(result.log).toContain('oz-sidecar: OZ_ENV_VARS does not replace OZ_TASK_PROMPT, which the run or the worker sets');
    expect(result.log).toContain('oz-sidecar: skipping an OZ_ENV_VARS line that is not NAME=value');
    expect((await controlPlane.finished('run-reserved')).body).toBe('{"exit_code": 0}');
  }, 60_000);
});

/** The lines of a config file a fake CLI printed (`  | line`) after `<cli> config:`. */
function configOf(log: string, cli: string): string[] {
  const lines = log.split('\n');
  const start = lines.indexOf(`${cli} config:`);
  const config: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  | ')) break;
    config.push(line.slice(4));
  }
  return config;
}
