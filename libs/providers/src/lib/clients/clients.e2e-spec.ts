import {
  FAKE_AGENT_CLI_PATH,
  isProcessAlive,
  startFakeAnthropicServer,
  startFakeGeminiServer,
  startFakeOpenAiServer,
  type FakeLlmServer,
  type FakeReply,
} from '@oz/testing';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError, type ProviderFailureKind } from '../provider-error';
import { createProviderClient } from '../provider-router';
import { loadProviderSettings, type ProviderDefinition } from '../provider-settings';

/** Not shaped like an `sk-…` key, so only the client's own masking can hide it in a reason. */
const KEY = 'test-secret.0123456789abcdef';

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

interface CallOptions {
  prompt?: string;
  system?: string;
  model?: string;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

/** One call through the client the router would use for this definition; failures become `error`. */
async function complete(definition: ProviderDefinition, options: CallOptions = {}): Promise<Outcome> {
  const deltas: string[] = [];
  try {
    const { text } = await createProviderClient(definition).complete({
      model: options.model ?? definition.model,
      prompt: options.prompt ?? 'Say hello',
      system: options.system,
      signal: options.signal ?? new AbortController().signal,
      onDelta: (delta) => {
        deltas.push(delta);
        options.onDelta?.(delta);
      },
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

  it('streams the answer piece by piece, in order', async () => {
    server.enqueue({ kind: 'answer', chunks: ['Hel', 'lo, ', 'wor', 'ld'] });
    const outcome = await complete(define(), { prompt: 'Greet me' });
    expect(outcome).toEqual({ text: 'Hello, world', deltas: ['Hel', 'lo, ', 'wor', 'ld'] });
  });

  it('sends the protocol’s headers, the model, max_tokens and the system prompt where the protocol wants it', async () => {
    await complete(define({ MAX_TOKENS: '321' }), { prompt: 'Greet me', system: 'Be warm.', model: 'model-of-the-run' });
    const [request] = server.requests;
    expect(request).toMatchObject({ model: 'model-of-the-run', stream: true, prompt: 'Greet me', system: 'Be warm.' });
    expect(request?.body['max_tokens']).toBe(321);
    if (name === 'anthropic') {
      expect(request?.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' });
      expect(request?.headers.authorization).toBeUndefined();
      // Anthropic takes the system prompt as a top-level field; messages hold only the user's turn.
      expect(request?.body['system']).toBe('Be warm.');
      expect(request?.body['messages']).toEqual([{ role: 'user', content: 'Greet me' }]);
    } else {
      expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(request?.headers['x-api-key']).toBeUndefined();
      // Chat completions take it as the first message.
      expect(request?.body['messages']).toEqual([
        { role: 'system', content: 'Be warm.' },
        { role: 'user', content: 'Greet me' },
      ]);
      expect(request?.body['system']).toBeUndefined();
    }
  });

  it('sends no system prompt when the run has none', async () => {
    await complete(define(), { prompt: 'plain' });
    const [request] = server.requests;
    expect(request?.body['messages']).toEqual([{ role: 'user', content: 'plain' }]);
    expect(request?.body).not.toHaveProperty('system');
  });

  it('reads a whole answer when streaming is off, and hands it over as one piece', async () => {
    server.enqueue({ kind: 'answer', text: 'the whole answer' });
    const outcome = await complete(define({ STREAM: 'false' }), { prompt: 'plain' });
    expect(outcome).toEqual({ text: 'the whole answer', deltas: ['the whole answer'] });
    expect(server.requests[0]?.stream).toBe(false);
  });

  const failures: Array<[string, FakeReply, ProviderFailureKind, RegExp]> = [
    ['429 with Retry-After', { kind: 'status', status: 429, message: 'Slow down', headers: { 'retry-after': '7' } }, 'rate_limit', /^test: HTTP 429: Slow down$/],
    ['500', { kind: 'status', status: 500, message: 'Internal failure' }, 'server', /^test: HTTP 500: Internal failure$/],
    ['529 overloaded', { kind: 'status', status: 529, message: 'Overloaded' }, 'server', /^test: HTTP 529: Overloaded$/],
    ['400', { kind: 'status', status: 400, message: 'max_tokens is too large' }, 'request', /^test: HTTP 400: max_tokens is too large$/],
    ['403', { kind: 'status', status: 403, message: 'Not allowed' }, 'auth', /^test: HTTP 403: Not allowed$/],
    ['a dropped connection', { kind: 'drop' }, 'network', /^test: cannot reach the provider \(/],
    ['a stream cut short', { kind: 'broken-stream', afterChunks: 1 }, 'network', /^test: the connection broke during the answer \(UND_ERR_SOCKET\)$/],
  ];

  it.each(failures)('classifies %s', async (_, reply, kind, message) => {
    server.enqueue(reply);
    const { error } = await complete(define());
    expect(error?.kind).toBe(kind);
    expect(error?.message).toMatch(message);
    expect(error?.fallsBack).toBe(['rate_limit', 'server', 'network', 'timeout', 'bad_response'].includes(kind));
    if (reply.kind === 'status') expect(error?.details.status).toBe(reply.status);
    if (kind === 'rate_limit') expect(error?.details.retryAfterMs).toBe(7000);
  });

  it('classifies failures of a non-streaming call the same way', async () => {
    const plain = define({ STREAM: 'false' });
    server.enqueue({ kind: 'broken-stream' }, { kind: 'drop' }, { kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const [broken, dropped, limited] = [await complete(plain), await complete(plain), await complete(plain)];
    expect(broken.error).toMatchObject({ kind: 'network', message: expect.stringMatching(/^test: the connection broke during the answer/) });
    expect(dropped.error?.kind).toBe('network');
    expect(limited.error).toMatchObject({ kind: 'rate_limit', details: { status: 429, retryAfterMs: 2000 } });
  });

  it('fails with the provider’s reason on a wrong key, and never repeats the key', async () => {
    const { error } = await complete(define({ API_KEY: 'wrong.key.9876543210' }));
    expect(error?.kind).toBe('auth');
    expect(error?.fallsBack).toBe(false);
    expect(error?.message).toBe(`test: HTTP 401: ${name === 'anthropic' ? 'invalid x-api-key' : 'Incorrect API key provided'}`);
    // A provider that echoes the key it was given: the reason is kept, the key is not.
    server.enqueue({ kind: 'status', status: 401, message: `Invalid API key: ${KEY} (revoked)` });
    const echoed = await complete(define());
    expect(echoed.error?.kind).toBe('auth');
    expect(echoed.error?.message).toBe('test: HTTP 401: Invalid API key: *** (revoked)');
    expect(echoed.error?.message).not.toContain(KEY);
  });

  it('treats an error event in the middle of a stream as a server failure, not a short answer', async () => {
    // Anthropic's default is an overloaded_error event; OpenAI-compatible servers send an error chunk.
    server.enqueue({ kind: 'stream-error', afterChunks: 1, message: `Overloaded, key ${KEY}` });
    const { error, deltas, text } = await complete(define());
    expect(text).toBeUndefined();
    expect(deltas).toEqual(['echo:']);
    expect(error?.kind).toBe('server');
    expect(error?.fallsBack).toBe(true);
    expect(error?.message).toBe('test: error in the stream: Overloaded, key ***');
  });

  if (name === 'anthropic') {
    it('reads a rate_limit_error event as a rate limit', async () => {
      server.enqueue({ kind: 'stream-error', errorType: 'rate_limit_error', message: 'Too many' });
      const { error } = await complete(define());
      expect(error).toMatchObject({ kind: 'rate_limit', message: 'test: error in the stream: Too many' });
      expect(error?.fallsBack).toBe(true);
    });
  }

  it('times out a provider that is slow to start answering, and hangs up', async () => {
    server.enqueue({ kind: 'answer', headerDelayMs: 5_000 });
    const { error } = await complete(define({ IDLE_TIMEOUT_SECONDS: '0.3' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: silent for 0.3 s' });
    expect(error?.fallsBack).toBe(true);
    await server.waitForAbort(0);
  });

  it('times out a stream that goes silent between chunks, and hangs up', async () => {
    server.enqueue({ kind: 'answer', chunks: ['a', 'b'], chunkDelayMs: 5_000 });
    const { error, deltas } = await complete(define({ IDLE_TIMEOUT_SECONDS: '0.3' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: silent for 0.3 s' });
    expect(deltas).toEqual(['a']);
    await server.waitForAbort(0);
  });

  it('times out a whole call that takes too long, even while it trickles', async () => {
    // Every chunk comes well within the idle timeout; only the total limit can stop this.
    server.enqueue({ kind: 'answer', chunks: Array.from({ length: 50 }, (_, i) => `${i} `), chunkDelayMs: 100 });
    const { error, deltas } = await complete(define({ TIMEOUT_SECONDS: '1', IDLE_TIMEOUT_SECONDS: '5' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: no complete answer within 1 s' });
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(50);
    await server.waitForAbort(0);
  });

  it('aborts the request on cancel before the answer starts, and the server sees the connection go', async () => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = complete(define(), { signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    expect((await pending).error).toMatchObject({ kind: 'cancelled', message: 'test: call cancelled' });
    await server.waitForAbort(0);
  });

  it('aborts mid-stream on cancel, and the server sees the connection go', async () => {
    server.enqueue({ kind: 'answer', chunks: ['first ', 'second ', 'third'], chunkDelayMs: 5_000 });
    const controller = new AbortController();
    // Cancelled as soon as the first piece arrives: the stream is open and the server still writing.
    const { error, deltas } = await complete(define(), { signal: controller.signal, onDelta: () => controller.abort() });
    expect(error?.kind).toBe('cancelled');
    expect(error?.fallsBack).toBe(false);
    expect(deltas).toEqual(['first ']);
    await server.waitForAbort(0);
    expect(server.requests[0]?.finished).toBe(false);
  });

  it('does not call at all with a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await complete(define(), { signal: controller.signal })).error?.kind).toBe('cancelled');
    // Give a request that slipped through time to arrive, then check none did.
    await sleep(100);
    expect(server.requests).toHaveLength(0);
  });

  it('reports a closed port as a network error', async () => {
    const port = await closedPort();
    const base = name === 'anthropic' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
    const { error } = await complete(define({ BASE_URL: base }));
    expect(error).toMatchObject({ kind: 'network', message: 'test: cannot reach the provider (ECONNREFUSED)' });
    expect(error?.fallsBack).toBe(true);
  });
});

describe('the gemini client against a server of Gemini’s API', () => {
  let server: FakeLlmServer;
  const define = (extra: Record<string, string> = {}) => provider({ TYPE: 'gemini', MODEL: 'gemini-test', BASE_URL: server.url, API_KEY: KEY, ...extra });

  beforeAll(async () => {
    server = await startFakeGeminiServer({ apiKey: KEY });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('streams the answer piece by piece (streamGenerateContent, alt=sse), the model in the path and the key as x-goog-api-key', async () => {
    server.enqueue({ kind: 'answer', chunks: ['Hel', 'lo'] });
    const outcome = await complete(define({ MAX_TOKENS: '77' }), { prompt: 'Greet me', system: 'Be warm.', model: 'model-of-the-run' });
    expect(outcome).toEqual({ text: 'Hello', deltas: ['Hel', 'lo'] });
    const [request] = server.requests;
    expect(request).toMatchObject({ model: 'model-of-the-run', stream: true, search: '?alt=sse', prompt: 'Greet me', system: 'Be warm.' });
    expect(request?.headers['x-goog-api-key']).toBe(KEY);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body['generationConfig']).toEqual({ maxOutputTokens: 77 });
  });

  it('reads a whole answer (generateContent) when streaming is off', async () => {
    server.enqueue({ kind: 'answer', text: 'the whole answer' });
    expect(await complete(define({ STREAM: 'false' }))).toEqual({ text: 'the whole answer', deltas: ['the whole answer'] });
    expect(server.requests[0]).toMatchObject({ stream: false, search: '' });
  });

  it.each([
    ['429', { kind: 'status', status: 429, headers: { 'retry-after': '3' } } as FakeReply, 'rate_limit'],
    ['503', { kind: 'status', status: 503, message: 'The model is overloaded' } as FakeReply, 'server'],
    ['an error in the stream', { kind: 'stream-error', afterChunks: 1 } as FakeReply, 'server'],
    ['a stream cut short', { kind: 'broken-stream', afterChunks: 1 } as FakeReply, 'network'],
  ])('classifies %s like the other clients', async (_, reply, kind) => {
    server.enqueue(reply);
    expect((await complete(define())).error?.kind).toBe(kind);
  });

  it('reads a wrong key as Google answers it (400): a refused request, with Google’s words', async () => {
    const { error } = await complete(define({ API_KEY: 'wrong.key.9876543210' }));
    expect(error).toMatchObject({ kind: 'request', message: 'test: HTTP 400: API key not valid. Please pass a valid API key.' });
  });

  it('refuses a model that would step out of models/ before calling', async () => {
    const { error } = await complete(define(), { model: 'x/../../v1beta/files' });
    expect(error).toMatchObject({ kind: 'request', message: '"x/../../v1beta/files" is not a Gemini model name' });
    expect(server.requests).toHaveLength(0);
  });
});

// How a command's process is run, watched and killed; no sandbox, so the test can see its pids (the
// sandbox has its own suite, cli-sandbox.e2e-spec.ts).
describe('the cli client with a real command', () => {
  let dir: string;
  const unsandboxed = { PATH: process.env['PATH'] ?? '', OZ_CLI_SANDBOX: 'none' };
  const cli = (args: string[], extra: Record<string, string> = {}, env: Record<string, string> = {}) =>
    provider({ TYPE: 'cli', CLI_CMD: FAKE_AGENT_CLI_PATH, CLI_ARGS: JSON.stringify(args), ...extra }, { ...unsandboxed, ...env });
  /** A shell script as the command; `$0` is `arg0` (a pid file, say). */
  const shell = (script: string, arg0: string, extra: Record<string, string> = {}) =>
    provider({ TYPE: 'cli', CLI_CMD: '/bin/sh', CLI_ARGS: JSON.stringify(['-c', script, arg0]), ...extra }, unsandboxed);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oz-cli-client-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the prompt to stdin and reads the answer from stdout', async () => {
    expect(await complete(cli([]), { prompt: 'fix the bug' })).toMatchObject({ text: 'cli: fix the bug' });
    // The system prompt goes first, a blank line before the prompt.
    expect(await complete(cli([]), { prompt: 'fix it', system: 'You are terse.' })).toMatchObject({ text: 'cli: You are terse.\n\nfix it' });
  });

  it('streams what the command prints as it prints it', async () => {
    const outcome = await complete(cli(['--chunks', '3']), { prompt: 'abcdefghi' });
    expect(outcome.text).toBe('cli: abcdefghi');
    expect(outcome.deltas.length).toBeGreaterThan(1);
    expect(outcome.deltas.join('').trimEnd()).toBe('cli: abcdefghi');
  });

  it('puts the model in place of {model} in the arguments', async () => {
    expect((await complete(cli(['--prefix', '[{model}|{model}] '], { MODEL: 'opus-test' }), { prompt: 'hi' })).text).toBe('[opus-test|opus-test] hi');
    // The run's model, when it names one, wins over the provider's.
    expect((await complete(cli(['--prefix', '[{model}] '], { MODEL: 'opus-test' }), { prompt: 'hi', model: 'sonnet-run' })).text).toBe('[sonnet-run] hi');
  });

  it('fails with the exit code and what the command said on stderr', async () => {
    const { error } = await complete(cli(['--exit', '3', '--stderr', 'boom: repository not found']));
    expect(error).toMatchObject({ kind: 'server', details: { status: 3 } });
    expect(error?.message).toBe(`test: ${FAKE_AGENT_CLI_PATH} exited with code 3: boom: repository not found`);
    expect(error?.fallsBack).toBe(true);
  });

  it('recognises a command saying it is rate limited', async () => {
    const { error } = await complete(cli(['--exit', '1', '--stderr', '429 Too Many Requests']));
    expect(error?.kind).toBe('rate_limit');
    expect(error?.message).toMatch(/exited with code 1: 429 Too Many Requests$/);
  });

  it('never repeats the provider’s key that a command prints', async () => {
    const { error } = await complete(cli(['--exit', '1', '--stderr', `auth failed for ${KEY}`], { API_KEY: KEY }));
    expect(error?.message).toMatch(/exited with code 1: auth failed for \*\*\*$/);
  });

  it('fails on an empty answer', async () => {
    const { error } = await complete(cli(['--prefix', '']), { prompt: '' });
    expect(error).toMatchObject({ kind: 'bad_response', message: expect.stringMatching(/printed nothing$/) });
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
    const pid = await pidFrom(pidFile);
    expect(isProcessAlive(pid)).toBe(true);
    controller.abort();
    expect((await pending).error).toMatchObject({ kind: 'cancelled', message: 'test: call cancelled' });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('kills the processes the command started too, on cancel', async () => {
    // The shell waits for a child of its own; killing only the shell would leave the child running.
    const pidFile = join(dir, 'grandchild.pid');
    const controller = new AbortController();
    const pending = complete(shell('sleep 30 & echo $! > "$0"; wait', pidFile), { signal: controller.signal });
    const grandchild = await pidFrom(pidFile);
    controller.abort();
    expect((await pending).error?.kind).toBe('cancelled');
    await waitUntilGone(grandchild);
  });

  it('times out a command that exited but left a process holding its output open, and kills that process', async () => {
    // The shell answers and exits at once; its background child keeps stdout open for 30 s.
    const pidFile = join(dir, 'orphan.pid');
    const { error } = await complete(shell('sleep 30 & echo $! > "$0"; echo partial', pidFile, { TIMEOUT_SECONDS: '0.5' }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'test: no answer within 0.5 s' });
    await waitUntilGone(await pidFrom(pidFile));
  });

  it('kills with SIGKILL a command that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const { error } = await complete(shell('trap "" TERM; sleep 30 & echo $! > "$0"; wait', pidFile, { TIMEOUT_SECONDS: '0.3' }));
    expect(error?.kind).toBe('timeout');
    await waitUntilGone(await pidFrom(pidFile));
  });

  it('fails clearly when the command does not exist', async () => {
    const definition = provider({ TYPE: 'cli', CLI_CMD: '/nonexistent/agent-cli' }, unsandboxed);
    const { error } = await complete(definition);
    expect(error).toMatchObject({ kind: 'config', message: 'test: cannot run /nonexistent/agent-cli (ENOENT)' });
    expect(error?.fallsBack).toBe(false);
  });

  it('runs the command with only the variables it was given', async () => {
    const env = {
      ...unsandboxed,
      SECRET_FOR_TEST: 'do-not-leak',
      OZ_ADMIN_API_KEY: 'admin-do-not-leak',
      DATABASE_URL: 'postgres://u:do-not-leak@db/oz',
      PASSED_ON: 'yes',
    };
    const definition = provider({ TYPE: 'cli', CLI_CMD: '/usr/bin/env', CLI_PASS_ENV: 'PASSED_ON', API_KEY: 'cli.key.123', MODEL: 'm1' }, env);
    const { text } = await complete(definition);
    const variables = Object.fromEntries((text ?? '').split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    // HOME and TMPDIR are the call's own fresh folder, not the server's.
    expect(variables).toEqual({
      PATH: env.PATH,
      PASSED_ON: 'yes',
      OZ_MODEL: 'm1',
      OZ_PROVIDER_API_KEY: 'cli.key.123',
      HOME: expect.stringMatching(/\/oz-cli-[^/]+\/\.home$/),
      TMPDIR: expect.stringMatching(/\/oz-cli-[^/]+$/),
    });
    expect(text).not.toContain('do-not-leak');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pid a command writes to `file`, once it has. */
async function pidFrom(file: string): Promise<number> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (pid > 0) return pid;
  }
  throw new Error(`no pid in ${file}`);
}

/**
 * Waits until `pid` no longer runs. An orphaned grandchild is reaped by the machine's init, which may
 * take a moment: a zombie counts as gone (it has stopped running).
 */
async function waitUntilGone(pid: number): Promise<void> {
  const running = () => {
    if (!isProcessAlive(pid)) return false;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    if (!running()) return;
  }
  throw new Error(`process ${pid} still runs`);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
