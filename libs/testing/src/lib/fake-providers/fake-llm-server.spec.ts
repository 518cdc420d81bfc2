import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_AGENT_CLI_PATH, startFakeAnthropicServer, startFakeGeminiServer, startFakeOpenAiServer, type FakeLlmServer } from './fake-llm-server';

const KEY = 'sk-fake-test-key';

/** A request as a real client of each protocol sends it. */
function call(server: FakeLlmServer, body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal; path?: string } = {}) {
  const url = server.protocol === 'openai' ? `${server.url}${init.path ?? '/chat/completions'}` : `${server.url}${init.path ?? '/v1/messages'}`;
  const auth: Record<string, string> =
    server.protocol === 'openai' ? { authorization: `Bearer ${KEY}` } : { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

const ask = (prompt: string, stream = false) => ({ model: 'model-1', max_tokens: 64, stream, messages: [{ role: 'user', content: prompt }] });

interface SseEvent {
  event: string | undefined;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      return { event: field('event'), data: field('data') ?? '' };
    });
}

/** The fields of both protocols' stream events that the tests read. */
interface StreamData {
  type?: string;
  choices?: Array<{ delta?: { content?: string } }>;
  delta?: { text?: string };
}

/** The text deltas of a stream, read the way each protocol's SDK reads them. */
function deltasOf(protocol: FakeLlmServer['protocol'], events: SseEvent[]): string[] {
  const datas = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as StreamData);
  if (protocol === 'openai') return datas.map((d) => d.choices?.[0]?.delta?.content ?? '').filter((text) => text !== '');
  return datas.filter((d) => d.type === 'content_block_delta').map((d) => d.delta?.text ?? '');
}

/** Reads a body chunk by chunk until it ends or breaks; how it ended is part of the result. */
async function readChunks(response: Response): Promise<{ chunks: string[]; text: string; broke: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { chunks, text: chunks.join(''), broke: false };
      chunks.push(decoder.decode(value, { stream: true }));
    }
  } catch {
    return { chunks, text: chunks.join(''), broke: true };
  }
}

const OPENAI_EVENTS = ['role', 'piece', 'piece', 'piece', 'stop', '[DONE]'];
const ANTHROPIC_EVENTS = ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'];

describe.each([
  { protocol: 'openai', start: startFakeOpenAiServer },
  { protocol: 'anthropic', start: startFakeAnthropicServer },
] as const)('the fake $protocol server', ({ protocol, start }) => {
  let server: FakeLlmServer;
  beforeAll(async () => (server = await start({ apiKey: KEY })));
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('answers a whole message in the real format, and records the request', async () => {
    const system = 'Be brief.';
    const body =
      protocol === 'openai'
        ? { model: 'model-1', messages: [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }] }
        : { ...ask(''), system, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] }] };
    const response = await call(server, body);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const json = (await response.json()) as Record<string, unknown>;
    if (protocol === 'openai') {
      expect(json).toMatchObject({ object: 'chat.completion', model: 'model-1', choices: [{ index: 0, message: { role: 'assistant', content: 'echo: Hi there' }, finish_reason: 'stop' }] });
      expect(json['usage']).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    } else {
      expect(json).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'echo: Hi there' }], stop_reason: 'end_turn', stop_sequence: null });
      expect(json['usage']).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    }
    expect(server.requests[0]).toMatchObject({ protocol, model: 'model-1', stream: false, prompt: 'Hi there', system, aborted: false, finished: true });
  });

  it('streams chunks as separate events that arrive apart, after a header delay', async () => {
    server.enqueue({ kind: 'answer', chunks: ['Hel', 'lo ', 'you'], chunkDelayMs: 40, headerDelayMs: 100 });
    const sent = Date.now();
    const response = await call(server, ask('ignored', true));
    expect(Date.now() - sent).toBeGreaterThanOrEqual(90);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { chunks, text, broke } = await readChunks(response);
    expect(broke).toBe(false);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const events = parseSse(text);
    expect(deltasOf(protocol, events)).toEqual(['Hel', 'lo ', 'you']);
    if (protocol === 'openai') {
      const shape = events.map((e) => {
        if (e.data === '[DONE]') return e.data;
        const choice = (JSON.parse(e.data) as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }> }).choices[0];
        return choice?.finish_reason ?? (choice?.delta['role'] ? 'role' : 'piece');
      });
      expect(shape).toEqual(OPENAI_EVENTS);
    } else {
      expect(events.map((e) => e.event)).toEqual(ANTHROPIC_EVENTS);
      expect(events.map((e) => (JSON.parse(e.data) as { type: string }).type)).toEqual(ANTHROPIC_EVENTS);
    }
    expect(server.requests[0]).toMatchObject({ stream: true, finished: true });
  });

  it('calls a tool, whole or streamed with its arguments in JSON pieces', async () => {
    const input = { command: 'echo proof > /tmp/proof', description: 'write the proof' };
    server.enqueue({ kind: 'tool-use', name: 'Bash', input, text: 'Let me run it.', id: 'call-1' }, { kind: 'tool-use', name: 'Bash', input });
    const whole = (await (await call(server, ask('run it'))).json()) as Record<string, unknown>;
    const streamed = parseSse(await (await call(server, ask('run it', true))).text());
    interface ToolEvent {
      type?: string;
      index?: number;
      delta?: { type?: string; partial_json?: string; stop_reason?: string; tool_calls?: Array<{ id?: string; function: { name?: string; arguments: string } }> };
      choices?: Array<{ delta: { tool_calls?: Array<{ id?: string; function: { name?: string; arguments: string } }> }; finish_reason: string | null }>;
    }
    const datas = streamed.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as ToolEvent);
    if (protocol === 'openai') {
      expect(whole).toMatchObject({
        choices: [
          {
            message: { role: 'assistant', content: 'Let me run it.', tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'Bash', arguments: JSON.stringify(input) } }] },
            finish_reason: 'tool_calls',
          },
        ],
      });
      const calls = datas.flatMap((d) => d.choices?.[0]?.delta.tool_calls ?? []);
      expect(calls[0]).toMatchObject({ id: expect.stringMatching(/^call_/), function: { name: 'Bash', arguments: '' } });
      expect(calls.length).toBeGreaterThan(2);
      expect(JSON.parse(calls.map((c) => c.function.arguments).join(''))).toEqual(input);
      expect(datas.at(-1)?.choices?.[0]?.finish_reason).toBe('tool_calls');
      expect(streamed.at(-1)?.data).toBe('[DONE]');
    } else {
      expect(whole).toMatchObject({
        content: [
          { type: 'text', text: 'Let me run it.' },
          { type: 'tool_use', id: 'call-1', name: 'Bash', input },
        ],
        stop_reason: 'tool_use',
      });
      expect(streamed.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(datas[1]).toMatchObject({ index: 0, content_block: { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'Bash', input: {} } });
      const pieces = datas.filter((d) => d.type === 'content_block_delta').map((d) => d.delta);
      expect(pieces.every((delta) => delta?.type === 'input_json_delta')).toBe(true);
      expect(JSON.parse(pieces.map((delta) => delta?.partial_json).join(''))).toEqual(input);
      expect(datas[6]).toMatchObject({ delta: { stop_reason: 'tool_use' } });
    }
  });

  it('answers a scripted status in the protocol’s error format, with its headers', async () => {
    server.enqueue({ kind: 'status', status: 429, message: 'Slow down', headers: { 'retry-after': '2' } });
    const response = await call(server, ask('x'));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual(
      protocol === 'openai'
        ? { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } }
        : { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } },
    );
  });

  it('rejects what the real API rejects: a wrong key, an unknown path, bad JSON', async () => {
    const wrongKey: Record<string, string> = protocol === 'openai' ? { authorization: 'Bearer nope' } : { 'x-api-key': 'nope' };
    const unauthorized = await call(server, ask('x'), { headers: wrongKey });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject(protocol === 'openai' ? { error: { message: 'Incorrect API key provided' } } : { error: { type: 'authentication_error' } });
    expect((await call(server, ask('x'), { path: '/nowhere' })).status).toBe(404);
    expect((await call(server, '{"model":')).status).toBe(400);
    if (protocol === 'anthropic') {
      const noVersion = await call(server, ask('x'), { headers: { 'anthropic-version': '' } });
      expect(noVersion.status).toBe(400);
      expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('hangs until the client aborts, and drops a connection outright', async () => {
    server.enqueue({ kind: 'hang' }, { kind: 'drop' });
    const controller = new AbortController();
    const hanging = call(server, ask('wait', true), { signal: controller.signal });
    await server.waitForRequests(1);
    expect(server.inFlight).toBe(1);
    controller.abort();
    await expect(hanging).rejects.toThrow();
    await server.waitForAbort(0);
    await expect(call(server, ask('drop'))).rejects.toThrow(/fetch failed/);
    expect(server.requests.map((r) => [r.aborted, r.finished])).toEqual([
      [true, false],
      [false, false],
    ]);
    expect(server.inFlight).toBe(0);
    expect(server.maxInFlight).toBe(1);
  });

  it('breaks a stream off after some deltas, without the closing events', async () => {
    server.enqueue({ kind: 'broken-stream', text: 'abcdefghi', afterChunks: 2 });
    const response = await call(server, ask('x', true));
    expect(response.status).toBe(200);
    const { text, broke } = await readChunks(response);
    expect(broke).toBe(true);
    expect(deltasOf(protocol, parseSse(text))).toEqual(['abc', 'def']);
    expect(text).not.toMatch(protocol === 'openai' ? /\[DONE\]/ : /message_stop/);
  });

  it('sends an error event in the middle of a stream, then ends it normally', async () => {
    server.enqueue({ kind: 'stream-error', errorType: 'overloaded_error', message: 'Overloaded' });
    const { text, broke } = await readChunks(await call(server, ask('abcdef', true)));
    expect(broke).toBe(false);
    const events = parseSse(text);
    expect(deltasOf(protocol, events.slice(0, -1))).toHaveLength(1);
    const last = events[events.length - 1];
    if (protocol === 'openai') expect(JSON.parse(last?.data ?? '')).toMatchObject({ error: { type: 'overloaded_error', message: 'Overloaded' } });
    else {
      expect(last?.event).toBe('error');
      expect(JSON.parse(last?.data ?? '')).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    }
  });
});

describe('scripting a fake server', () => {
  it('takes queued replies first, then the script, then the default; close() ends hanging requests', async () => {
    const server = await startFakeOpenAiServer();
    try {
      server.enqueue({ kind: 'answer', text: 'queued' });
      const first = await call(server, ask('one'));
      expect(await first.json()).toMatchObject({ choices: [{ message: { content: 'queued' } }] });
      server.script((request, index) => ({ kind: 'answer', text: `#${index} ${request.prompt}` }));
      expect(await (await call(server, ask('two'))).json()).toMatchObject({ choices: [{ message: { content: '#1 two' } }] });
      server.script(undefined);
      expect(await (await call(server, ask('three'))).json()).toMatchObject({ choices: [{ message: { content: 'echo: three' } }] });
      await expect(server.waitForRequests(4, 50)).rejects.toThrow(/fewer than 4 requests arrived within 50 ms \(3 requests so far\)/);

      server.enqueue({ kind: 'hang' });
      const hanging = call(server, ask('forever'));
      await server.waitForRequests(4);
      await server.close();
      await expect(hanging).rejects.toThrow();
      expect(server.inFlight).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('the fake OpenAI server’s Responses API and model list', () => {
  let server: FakeLlmServer;
  beforeAll(async () => (server = await startFakeOpenAiServer({ apiKey: KEY, models: ['gpt-a', 'gpt-b'] })));
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  const responses = (body: Record<string, unknown>) => call(server, body, { path: '/responses' });
  const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list the files' }] }];

  it('answers a whole response with its output and usage, reading input and instructions', async () => {
    const json = (await (await responses({ model: 'gpt-a', input, instructions: 'Be brief.' })).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-a', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'echo: list the files' }] }] });
    expect(json['usage']).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    expect(server.requests[0]).toMatchObject({ api: 'responses', path: '/v1/responses', prompt: 'list the files', system: 'Be brief.', stream: false });
  });

  it('streams typed events, a function call’s arguments in pieces, and ends with response.completed and its usage', async () => {
    server.enqueue({ kind: 'answer', chunks: ['a', 'b'] }, { kind: 'tool-use', name: 'exec_command', input: { cmd: 'ls' } });
    const text = parseSse(await (await responses({ model: 'gpt-a', input: 'hi', stream: true })).text());
    expect(text.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const datas = text.map((e) => JSON.parse(e.data) as { type: string; sequence_number: number; response?: { usage: unknown } });
    expect(datas.map((d) => d.type)).toEqual(text.map((e) => e.event));
    expect(datas.map((d) => d.sequence_number)).toEqual(datas.map((_, i) => i));
    expect(datas.at(-1)?.response?.usage).toEqual({ input_tokens: 1, output_tokens: 1, total_tokens: 2 });

    const tool = parseSse(await (await responses({ model: 'gpt-a', input, stream: true })).text()).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    const pieces = tool.filter((d) => d['type'] === 'response.function_call_arguments.delta').map((d) => d['delta']);
    expect(pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join(''))).toEqual({ cmd: 'ls' });
    expect(tool.find((d) => d['type'] === 'response.output_item.done')).toMatchObject({ item: { type: 'function_call', name: 'exec_command', call_id: expect.stringMatching(/^call_/) } });
  });

  it('sends chat streams their usage chunk only when asked, and lists its models', async () => {
    const chat = (extra: Record<string, unknown>) => call(server, { ...ask('count', true), ...extra }).then((r) => r.text());
    expect(await chat({})).not.toContain('"usage"');
    const usage = parseSse(await chat({ stream_options: { include_usage: true } })).filter((e) => e.data.includes('"usage"'));
    expect(usage.map((e) => JSON.parse(e.data))).toEqual([expect.objectContaining({ choices: [], usage: { prompt_tokens: 2, completion_tokens: expect.any(Number), total_tokens: expect.any(Number) } })]);
    const models = await fetch(`${server.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual(['gpt-a', 'gpt-b']);
    expect((await fetch(`${server.url}/models`)).status).toBe(401);
  });
});

describe('the fake Gemini server', () => {
  let server: FakeLlmServer;
  beforeAll(async () => (server = await startFakeGeminiServer({ apiKey: KEY })));
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  const generate = (path: string, body: unknown, key = KEY) =>
    fetch(`${server.url}/v1beta/models/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key }, body: JSON.stringify(body) });
  const contents = { contents: [{ role: 'user', parts: [{ text: 'hello ' }, { text: 'there' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } };

  it('answers generateContent with candidates and usage, the model from the path', async () => {
    const json = (await (await generate('gemini-x:generateContent', contents)).json()) as Record<string, unknown>;
    expect(json).toMatchObject({ candidates: [{ content: { role: 'model', parts: [{ text: 'echo: hello there' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 3 } });
    expect(server.requests[0]).toMatchObject({ protocol: 'gemini', api: 'generate_content', model: 'gemini-x', stream: false, prompt: 'hello there', system: 'Be brief.' });
  });

  it('streams chunks as SSE with alt=sse, the last with the finish reason and the usage; calls functions', async () => {
    server.enqueue({ kind: 'answer', chunks: ['one', 'two'] }, { kind: 'tool-use', name: 'run_shell_command', input: { command: 'ls' } });
    const events = parseSse((await (await generate('gemini-x:streamGenerateContent?alt=sse', contents)).text()).replace(/\r\n/g, '\n')).map((e) => JSON.parse(e.data) as { candidates: Array<{ content: { parts: Array<Record<string, unknown>> }; finishReason?: string }>; usageMetadata?: unknown });
    expect(events.map((e) => e.candidates[0]?.content.parts[0]?.['text'])).toEqual(['one', 'two', '']);
    expect(events.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { candidatesTokenCount: 2 } });
    expect(events.slice(0, -1).every((e) => e.usageMetadata === undefined)).toBe(true);
    expect(server.requests[0]).toMatchObject({ stream: true, search: '?alt=sse' });
    const tool = parseSse((await (await generate('gemini-x:streamGenerateContent?alt=sse', contents)).text()).replace(/\r\n/g, '\n'));
    expect(JSON.parse(tool.at(-1)?.data ?? '{}')).toMatchObject({ candidates: [{ content: { parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls' } } }] } }] });
  });

  it('refuses a wrong key as Google does (400) and answers statuses in Google’s error format', async () => {
    const refused = await generate('gemini-x:generateContent', contents, 'nope');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
    server.enqueue({ kind: 'status', status: 429 });
    expect(await (await generate('gemini-x:generateContent', contents)).json()).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    expect((await generate('gemini-x:countTokens', contents)).status).toBe(404);
  });
});

describe('the fake agent CLI', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'fake-agent-cli-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the script in its own process group, as the cli provider does. */
  function run(args: string[], stdin: string) {
    const child = spawn(FAKE_AGENT_CLI_PATH, args, { detached: true, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    const deltas: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      deltas.push(chunk.toString());
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin);
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    return { child, done, output: () => ({ stdout, stderr, deltas }) };
  }

  it('echoes stdin after the prefix, with its stderr, model line and exit code', async () => {
    const cli = run(['-p', '--model', 'opus-x', '--prefix', 'agent: ', '--stderr', 'boom', '--exit', '3', '--verbose'], 'fix it\n');
    expect(await cli.done).toEqual({ code: 3, signal: null });
    expect(cli.output()).toMatchObject({ stdout: 'agent: fix it\n', stderr: 'model: opus-x\nboom\n' });
    const plain = run([], 'hello');
    await plain.done;
    expect(plain.output().stdout).toBe('cli: hello\n');
  });

  it('prints a multi-line answer in pieces', async () => {
    const cli = run(['--chunks', '3'], 'line one\nline two\n');
    expect(await cli.done).toEqual({ code: 0, signal: null });
    const { stdout, deltas } = cli.output();
    expect(stdout).toBe('cli: line one\nline two\n');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
  });

  it('writes its pid and dies mid-sleep when its process group is killed', async () => {
    const pidFile = join(dir, 'pid');
    const cli = run(['--pid-file', pidFile, '--sleep', '30'], 'slow');
    let pid = '';
    while (!pid) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pid = await readFile(pidFile, 'utf8').catch(() => '');
    }
    expect(Number(pid)).toBe(cli.child.pid);
    const killedAt = Date.now();
    process.kill(-Number(pid), 'SIGTERM');
    expect((await cli.done).code ?? (await cli.done).signal).toBeTruthy();
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect(cli.output().stdout).toBe('');
    // Nothing of the group (the shell nor its sleep) is left, once init has reaped the orphaned sleep.
    const groupAlive = () => {
      try {
        return process.kill(-Number(pid), 0);
      } catch {
        return false;
      }
    };
    for (const deadline = Date.now() + 2_000; groupAlive() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(groupAlive()).toBe(false);
  });
});
