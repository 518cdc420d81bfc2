import {
  FAKE_AGENT_CLI_PATH,
  isProcessAlive,
  startFakeAnthropicServer,
  startFakeOpenAiServer,
  type FakeLlmServer,
} from '@oz/testing';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const OPENAI_KEY = 'sk-openai-test-key-0123456789';
const ANTHROPIC_KEY = 'sk-ant-test-key-0123456789';

/**
 * Remote API mode end to end: the official SDK creates runs without an environment, the control
 * plane's executor answers them through real HTTP providers (fake servers speaking the OpenAI and
 * Anthropic protocols) or a real command, and the SDK reads the answer back from the run.
 */
describe('provider runs through the official SDK', () => {
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  let cp: ControlPlaneHarness;
  let pidDir: string;
  const token = 'executor-tenant-token';

  beforeAll(async () => {
    openai = await startFakeOpenAiServer({ apiKey: OPENAI_KEY });
    anthropic = await startFakeAnthropicServer({ apiKey: ANTHROPIC_KEY });
    pidDir = await mkdtemp(join(tmpdir(), 'oz-cli-'));
    cp = await startControlPlane({
      OZ_EXECUTOR_CONCURRENCY: '4',
      OZ_EXECUTOR_POLL_INTERVAL_MS: '200',
      // custom: the default harness; claude: what `model_id: claude-…` routes to.
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-gpt',
      OZ_PROVIDER_CUSTOM_BASE_URL: openai.url,
      OZ_PROVIDER_CUSTOM_API_KEY: OPENAI_KEY,
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-test',
      OZ_PROVIDER_CLAUDE_BASE_URL: anthropic.url,
      OZ_PROVIDER_CLAUDE_API_KEY: ANTHROPIC_KEY,
      // A second OpenAI-compatible provider on the same fake, used as the fallback.
      OZ_PROVIDER_BACKUP_MODEL: 'backup-model',
      OZ_PROVIDER_BACKUP_BASE_URL: openai.url,
      OZ_PROVIDER_BACKUP_API_KEY: OPENAI_KEY,
      OZ_PROVIDER_FALLBACK_ORDER_CUSTOM: 'backup',
      // A command-line agent. Unsandboxed, so the test can see its pid (libs/providers tests the sandbox).
      OZ_CLI_SANDBOX: 'none',
      OZ_PROVIDER_LOCAL_TYPE: 'cli',
      OZ_PROVIDER_LOCAL_CLI_CMD: FAKE_AGENT_CLI_PATH,
      OZ_PROVIDER_LOCAL_CLI_ARGS: JSON.stringify(['--pid-file', join(pidDir, 'pid'), '--sleep', '30']),
      OZ_PROVIDER_QUICK_TYPE: 'cli',
      OZ_PROVIDER_QUICK_CLI_CMD: FAKE_AGENT_CLI_PATH,
      OZ_PROVIDER_QUICK_CLI_ARGS: '--prefix agent:',
    });
  });
  afterAll(async () => {
    await cp.close();
    await Promise.all([openai.close(), anthropic.close()]);
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  const sdk = () => cp.sdk(token);
  const finished = inState('SUCCEEDED', 'FAILED', 'CANCELLED');

  it('answers a run without an environment: SUCCEEDED with the streamed answer in `output`', async () => {
    openai.enqueue({ kind: 'answer', chunks: ['The fix ', 'is in ', 'utils.ts.'] });
    const created = await sdk().agent.run({ prompt: 'Where is the bug?', config: { base_prompt: 'Be brief.' } });
    expect(created.state).toBe('QUEUED');

    const run = await waitForRun(sdk(), created.run_id, finished);
    expect(run).toMatchObject({
      state: 'SUCCEEDED',
      output: 'The fix is in utils.ts.',
      provider: { key: 'custom', type: 'openai_compatible', model: 'fake-gpt' },
      status_message: null,
    });
    expect(run.started_at).not.toBeNull();
    const [request] = openai.requests;
    expect(request).toMatchObject({ model: 'fake-gpt', stream: true, prompt: 'Where is the bug?', system: 'Be brief.' });
    expect(request?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('routes model_id claude-… to the claude provider over the Anthropic protocol', async () => {
    const { run_id } = await sdk().agent.run({ prompt: 'Hello Claude', config: { model_id: 'claude-sonnet-4-5' } });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'echo: Hello Claude', provider: { key: 'claude', type: 'anthropic' } });
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(openai.requests).toHaveLength(0);
  });

  it('uses `<provider>/<model>` from model_id as the model sent', async () => {
    const { run_id } = await sdk().agent.run({ prompt: 'pick the model', config: { model_id: 'backup/special-model' } });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run).toMatchObject({ state: 'SUCCEEDED', provider: { key: 'backup', model: 'special-model' } });
    expect(openai.requests[0]?.model).toBe('special-model');
  });

  it('shows the answer growing while the provider streams it', async () => {
    openai.enqueue({ kind: 'answer', chunks: ['first part, ', 'second part, ', 'third part.'], chunkDelayMs: 1_200 });
    const { run_id } = await sdk().agent.run({ prompt: 'stream slowly' });
    const partial = await waitForRun(sdk(), run_id, (run) => run.state === 'INPROGRESS' && Boolean(run.output));
    expect('first part, second part, third part.'.startsWith(partial.output ?? '')).toBe(true);
    expect(partial.output).not.toBe('first part, second part, third part.');
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run.output).toBe('first part, second part, third part.');
  });

  it.each([
    ['answers 500', { kind: 'status', status: 500, message: 'internal error' }],
    ['breaks off its stream', { kind: 'broken-stream', text: 'half an answ', afterChunks: 1 }],
    ['drops the connection', { kind: 'drop' }],
  ] as const)('falls back to the next provider when the first %s, keeping nothing of the failed attempt', async (_, failure) => {
    openai.enqueue(failure, { kind: 'answer', text: 'from the backup' });
    const { run_id } = await sdk().agent.run({ prompt: 'fall back please' });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'from the backup', provider: { key: 'backup' } });
    expect(openai.requests.map((r) => r.model)).toEqual(['fake-gpt', 'backup-model']);
  });

  it('fails on an auth error without trying another provider; the admin sees the provider’s reason, nobody the key', async () => {
    openai.enqueue({ kind: 'status', status: 401, message: `Incorrect API key provided: ${OPENAI_KEY}` });
    const { run_id } = await sdk().agent.run({ prompt: 'bad key' });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run.state).toBe('FAILED');
    // The key is the operator's business: the tenant is told no provider could answer.
    expect(run.status_message).toEqual({ message: expect.stringMatching(/^No provider could answer this run: .*the administrator can see why$/) });
    const asAdmin = await retrieveRun(cp.sdk(), run_id);
    expect(asAdmin.status_message?.detail).toMatch(/^custom: HTTP 401: Incorrect API key provided/);
    expect(JSON.stringify([run, asAdmin])).not.toContain(OPENAI_KEY);
    expect(openai.requests).toHaveLength(1);
  });

  it('fails with a clear message when no provider serves the harness', async () => {
    const { run_id } = await sdk().agent.run({ prompt: 'nobody home', config: { model_id: 'kimi-k2' } });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run.state).toBe('FAILED');
    expect(run.status_message?.message).toBe('No provider could answer this run: none is configured for its harness (kimi); the administrator can see why');
    expect((await retrieveRun(cp.sdk(), run_id)).status_message?.detail).toMatch(/No provider is configured for harness kimi/);
  });

  it('answers through a command-line agent, prompt on stdin', async () => {
    const { run_id } = await sdk().agent.run({ prompt: 'run the CLI', config: { model_id: 'quick' } });
    const run = await waitForRun(sdk(), run_id, finished);
    expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'agent:run the CLI', provider: { key: 'quick', type: 'cli' } });
  });

  describe('cancel', () => {
    it('aborts the HTTP call in flight and ends CANCELLED for good', async () => {
      openai.enqueue({ kind: 'hang' });
      const { run_id } = await sdk().agent.run({ prompt: 'never mind' });
      await openai.waitForRequests(1);
      await waitForRun(sdk(), run_id, inState('INPROGRESS'));

      await sdk().agent.runs.cancel(run_id);
      await openai.waitForAbort(0, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const run = await retrieveRun(sdk(), run_id);
      expect(run.state).toBe('CANCELLED');
      expect(run.output).toBeNull();
      expect(openai.requests).toHaveLength(1);
    });

    it('kills a command-line agent’s process', async () => {
      const { run_id } = await sdk().agent.run({ prompt: 'think for a long time', config: { model_id: 'local' } });
      const pid = await waitForPid(join(pidDir, 'pid'));
      expect(isProcessAlive(pid)).toBe(true);

      await sdk().agent.runs.cancel(run_id);
      await waitUntil(() => !isProcessAlive(pid), 5_000, `process ${pid} still alive after the cancel`);
      expect((await retrieveRun(sdk(), run_id)).state).toBe('CANCELLED');
    });
  });

  describe('the provider status endpoint', () => {
    it('is for the admin only', async () => {
      const response = await cp.request('/api/v1/admin/providers', { token });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'admin_required', message: expect.stringMatching(/admin key/) });
    });

    it('lists every provider with its configuration, and never an API key', async () => {
      const response = await cp.request('/api/v1/admin/providers');
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.providers.map((p: { key: string }) => p.key)).toEqual(['backup', 'claude', 'custom', 'local', 'quick']);
      expect(body.providers.find((p: { key: string }) => p.key === 'claude')).toMatchObject({
        type: 'anthropic',
        model: 'claude-test',
        usable: true,
        quota: null,
        blocked_until: null,
      });
      expect(JSON.stringify(body)).not.toMatch(/sk-(openai|ant)-test-key/);
    });

    it('is described in the OpenAPI document', async () => {
      const document = await (await cp.request('/api/docs-json', { token: null })).json();
      const operation = document.paths['/api/v1/admin/providers']?.get;
      expect(operation?.operationId).toBe('listProviderStatus');
      expect(JSON.stringify(document.components.schemas.ProviderQuotaDto)).toMatch(/next_free_at/);
    });
  });
});

async function waitForPid(path: string): Promise<number> {
  let pid = NaN;
  await waitUntil(
    async () => {
      pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      return pid > 0;
    },
    10_000,
    `no pid in ${path}`,
  );
  return pid;
}


async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(message);
}
