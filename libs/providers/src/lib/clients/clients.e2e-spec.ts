import {
  FAKE_AGENT_CLI_PATH,
  isProcessAlive,
  startFakeAnthropicServer,
  startFakeOpenAiServer,
  type FakeLlmServer,
  type FakeReply,
} from '@oz/testing';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError, type ProviderFailureKind } from '../provider-error';
import { createProviderClient } from '../provider-router';
import { loadProviderSettings, type ProviderDefinition } from '../provider-settings';

const KEY = 'sk-test-provider-key-0123456789';

/** A provider definition as the real settings parser builds it from OZ_PROVIDER_TEST_* variables. */
function provider(settings: Record<string, string>, env: Record<string, string> = {}): ProviderDefinition {
  const prefixed = Object.fromEntries(Object.entries(settings).map(([name, value]) => [`OZ_PROVIDER_TEST_${name}`, value]));
  const definition = loadProviderSettings({ ...env, ...prefixed }).providers.get('test');
  if (!definition || definition.problems.length) throw new Error(`bad test provider: ${definition?.problems.join('; ')}`);
  return definition;
}

interface Outcome {
  text?: string;
  deltas: string[];
  error?: ProviderError;
}

async function complete(definition: ProviderDefinition, options: { prompt?: string; system?: string; signal?: AbortSignal } = {}): Promise<Outcome> {
  const deltas: string[] = [];
  try {
    const { text } = await createProviderClient(definition).complete({
      model: definition.model,
      prompt: options.prompt ?? 'Say hello',
      system: options.system,
      signal: options.signal ?? new AbortController().signal,
      onDelta: (delta) => deltas.push(delta),
    });
    return { text, deltas };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { error, deltas };
  }
}

const protocols = [
  {
    name: 'openai_compatible',
    start: () => startFakeOpenAiServer({ apiKey: KEY }),
    settings: (server: FakeLlmServer) => ({ TYPE: 'openai_compatible', MODEL: 'gpt-test', BASE_URL: server.url, API_KEY: KEY }),
  },
  {
    name: 'anthropic',
    start: () => startFakeAnthropicServer({ apiKey: KEY }),
    settings: (server: FakeLlmServer) => ({ TYPE: 'anthropic', MODEL: 'claude-test', BASE_URL: server.url, API_KEY: KEY }),
  },
] as const;

describe.each(protocols)('the $name client against a real server of that protocol', ({ name, start, settings }) => {
  let server: FakeLlmServer;
  const define = (extra: Record<string, string> = {}) => provider({ ...settings(server), ...extra });

  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('streams the answer piece by piece', async () => {
    server.enqueue({ kind: 'answer', chunks: ['Hel', 'lo, ', 'world'] });
    const outcome = await complete(define(), { prompt: 'Greet me', system: 'Be warm.' });
    expect(outcome).toEqual({ text: 'Hello, world', deltas: ['Hel', 'lo, ', 'world'] });
    const [request] = server.requests;
    expect(request).toMatchObject({ stream: true, prompt: 'Greet me', system: 'Be warm.' });
    expect(request?.body).toMatchObject({ max_tokens: 4096 });
    if (name === 'anthropic') {
      expect(request?.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' });
      expect(request?.model).toBe('claude-test');
    } else {
      expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(request?.model).toBe('gpt-test');
    }
  });

  it('reads a whole answer when streaming is off', async () => {
    const outcome = await complete(define({ STREAM: 'false' }), { prompt: 'plain' });
    expect(outcome).toEqual({ text: 'echo: plain', deltas: ['echo: plain'] });
    expect(server.requests[0]?.stream).toBe(false);
  });

  const failures: Array<[string, FakeReply, ProviderFailureKind, RegExp]> = [
    ['429 with Retry-After', { kind: 'status', status: 429, message: 'Slow down', headers: { 'retry-after': '7' } }, 'rate_limit', /HTTP 429: Slow down/],
    ['500', { kind: 'status', status: 500, message: 'Internal failure' }, 'server', /HTTP 500: Internal failure/],
    ['529 overloaded', { kind: 'status', status: 529, message: 'Overloaded' }, 'server', /HTTP 529: Overloaded/],
    ['400', { kind: 'status', status: 400, message: 'max_tokens is too large' }, 'request', /HTTP 400: max_tokens is too large/],
    ['403', { kind: 'status', status: 403, message: 'Not allowed' }, 'auth', /HTTP 403: Not allowed/],
    ['a dropped connection', { kind: 'drop' }, 'network', /cannot reach the provider/],
    ['a stream cut short', { kind: 'broken-stream', afterChunks: 1 }, 'network', /the connection broke during the answer \(UND_ERR_SOCKET\)/],
  ];

  it.each(failures)('classifies %s', async (_, reply, kind, message) => {
    server.enqueue(reply);
    const { error } = await complete(define());
    expect(error?.kind).toBe(kind);
    expect(error?.message).toMatch(message);
    expect(error?.message.startsWith('test: ')).toBe(true);
    expect(error?.fallsBack).toBe(['rate_limit', 'server', 'network', 'timeout', 'bad_response'].includes(kind));
    if (kind === 'rate_limit') expect(error?.details.retryAfterMs).toBe(7000);
  });

  it('fails with the provider’s reason on a wrong key, and never repeats the key', async () => {
    const { error } = await complete(define({ API_KEY: 'sk-wrong-key-9876543210' }));
    expect(error?.kind).toBe('auth');
    expect(error?.fallsBack).toBe(false);
    expect(error?.message).toMatch(/^test: HTTP 401: /);
    server.enqueue({ kind: 'status', status: 401, message: `Invalid API key: ${KEY}` });
    const echoed = await complete(define());
    expect(echoed.error?.message).not.toContain(KEY);
    expect(echoed.error?.message).toContain('Invalid API key: ***');
  });

  it('treats an error event in the middle of a stream as a failure, not a short answer', async () => {
    server.enqueue({ kind: 'stream-error', afterChunks: 1, message: 'Overloaded' });
    const { error, deltas } = await complete(define());
    expect(deltas.length).toBe(1);
    expect(error?.kind).toBe('server');
    expect(error?.message).toMatch(/error in the stream: Overloaded/);
    if (name === 'anthropic') {
      server.enqueue({ kind: 'stream-error', errorType: 'rate_limit_error', message: 'Too many' });
      expect((await complete(define())).error?.kind).toBe('rate_limit');
    }
  });

  it('times out a provider that is slow to start answering', async () => {
    server.enqueue({ kind: 'answer', headerDelayMs: 2_000 });
    const { error } = await complete(define({ IDLE_TIMEOUT_SECONDS: '0.3' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: silent for 0.3 s' });
    await server.waitForAbort(0);
  });

  it('times out a stream that goes silent between chunks', async () => {
    server.enqueue({ kind: 'answer', chunks: ['a', 'b'], chunkDelayMs: 2_000 });
    const { error, deltas } = await complete(define({ IDLE_TIMEOUT_SECONDS: '0.3' }));
    expect(error?.kind).toBe('timeout');
    expect(deltas).toEqual(['a']);
  });

  it('times out a whole call that takes too long, even while it trickles', async () => {
    server.enqueue({ kind: 'answer', chunks: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 200 });
    const { error } = await complete(define({ TIMEOUT_SECONDS: '0.5', IDLE_TIMEOUT_SECONDS: '1' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: no complete answer within 0.5 s' });
  });

  it('aborts the request on cancel, and the server sees the connection go', async () => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = complete(define(), { signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    expect((await pending).error?.kind).toBe('cancelled');
    await server.waitForAbort(0, 5_000);
  });

  it('reports a closed port as a network error', async () => {
    const port = await closedPort();
    const base = name === 'anthropic' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
    const { error } = await complete(define({ BASE_URL: base }));
    expect(error).toMatchObject({ kind: 'network', message: 'test: cannot reach the provider (ECONNREFUSED)' });
  });
});

describe('the cli client with a real command', () => {
  let dir: string;
  const cli = (args: string[], extra: Record<string, string> = {}, env: Record<string, string> = {}) =>
    provider({ TYPE: 'cli', CLI_CMD: FAKE_AGENT_CLI_PATH, CLI_ARGS: JSON.stringify(args), ...extra }, { PATH: process.env['PATH'] ?? '', ...env });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oz-cli-client-'));
  });

  it('writes the prompt to stdin and reads the answer from stdout', async () => {
    expect(await complete(cli([]), { prompt: 'fix the bug' })).toMatchObject({ text: 'cli: fix the bug' });
    expect(await complete(cli([]), { prompt: 'fix it', system: 'You are terse.' })).toMatchObject({ text: 'cli: You are terse.\n\nfix it' });
  });

  it('streams what the command prints as it prints it', async () => {
    const outcome = await complete(cli(['--chunks', '3']), { prompt: 'abcdefghi' });
    expect(outcome.text).toBe('cli: abcdefghi');
    expect(outcome.deltas.length).toBeGreaterThan(1);
    expect(outcome.deltas.join('').trimEnd()).toBe('cli: abcdefghi');
  });

  it('puts the model in place of {model} in the arguments', async () => {
    const outcome = await complete(cli(['--prefix', '[{model}] '], { MODEL: 'opus-test' }), { prompt: 'hi' });
    expect(outcome.text).toBe('[opus-test] hi');
  });

  it('fails with the exit code and what the command said on stderr', async () => {
    const { error } = await complete(cli(['--exit', '3', '--stderr', 'boom: repository not found']));
    expect(error?.kind).toBe('server');
    expect(error?.message).toMatch(/exited with code 3: boom: repository not found$/);
  });

  it('recognises a command saying it is rate limited', async () => {
    const { error } = await complete(cli(['--exit', '1', '--stderr', 'Error: 429 Too Many Requests']));
    expect(error?.kind).toBe('rate_limit');
  });

  it('fails on an empty answer', async () => {
    const { error } = await complete(cli(['--prefix', '']), { prompt: '' });
    expect(error).toMatchObject({ kind: 'bad_response', message: expect.stringMatching(/printed nothing/) });
  });

  it('kills the command’s process when it runs past the timeout', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const { error } = await complete(cli(['--pid-file', pidFile, '--sleep', '30'], { TIMEOUT_SECONDS: '0.5' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: no answer within 0.5 s' });
    expect(isProcessAlive(Number(await readFile(pidFile, 'utf8')))).toBe(false);
  });

  it('kills the command’s process on cancel', async () => {
    const pidFile = join(dir, 'cancel.pid');
    const controller = new AbortController();
    const pending = complete(cli(['--pid-file', pidFile, '--sleep', '30']), { signal: controller.signal });
    let pid = 0;
    for (const deadline = Date.now() + 5_000; !pid && Date.now() < deadline; await sleep(20)) {
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    }
    expect(isProcessAlive(pid)).toBe(true);
    controller.abort();
    expect((await pending).error?.kind).toBe('cancelled');
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('fails clearly when the command does not exist', async () => {
    const definition = provider({ TYPE: 'cli', CLI_CMD: '/nonexistent/agent-cli' });
    expect((await complete(definition)).error).toMatchObject({ kind: 'config', message: 'test: cannot run /nonexistent/agent-cli (ENOENT)' });
  });

  it('runs the command with only the variables it was given', async () => {
    const env = { PATH: process.env['PATH'] ?? '', SECRET_FOR_TEST: 'do-not-leak', PASSED_ON: 'yes' };
    const definition = provider({ TYPE: 'cli', CLI_CMD: '/usr/bin/env', CLI_PASS_ENV: 'PASSED_ON', API_KEY: 'sk-cli-key', MODEL: 'm1' }, env);
    const { text } = await complete(definition);
    const names = (text ?? '').split('\n').map((line) => line.split('=')[0]).sort();
    expect(names).toEqual(['OZ_MODEL', 'OZ_PROVIDER_API_KEY', 'PASSED_ON', 'PATH']);
    expect(text).not.toContain('do-not-leak');
  });
});


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
