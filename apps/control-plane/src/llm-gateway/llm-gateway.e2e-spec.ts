import {
  connectScriptedWorker,
  queryOnce,
  startFakeAnthropicServer,
  startFakeGeminiServer,
  startFakeOpenAiServer,
  type FakeLlmServer,
  type ScriptedWorker,
} from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { heldRun, parseSse, readSse, workerEnvironment, type HeldRun } from '../testing/held-runs';
import { retrieveRun, waitForRun } from '../testing/run-polling';

const WORKER_TOKEN = 'gateway-worker-token-0123456789';
const ANTHROPIC_KEY = 'sk-ant-server-side-0123456789abcdef';
const BACKUP_KEY = 'sk-ant-backup-0123456789abcdef';
const OPENAI_KEY = 'sk-openai-server-side-0123456789';
const GEMINI_KEY = 'gemini-server-side-key-0123456789';
/** What the three provider formats send back; anything else a provider says stays in the gateway. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'x-request-id', 'x-oz-provider', 'request-id'];

/**
 * The LLM gateway against fake providers that speak the real wire protocols (streams included), with
 * a run held by a scripted worker for its task token: pass-through per format, the server-side keys,
 * the task token's reach, quotas, fallback and queueing through the shared router, cancellation, and
 * usage on the run and in the admin's provider view.
 */
describe('the LLM gateway', () => {
  let cp: ControlPlaneHarness;
  let anthropic: FakeLlmServer;
  let backup: FakeLlmServer;
  let openai: FakeLlmServer;
  let gemini: FakeLlmServer;
  let worker: ScriptedWorker;
  let run: HeldRun;
  let environmentId: string;
  const token = tenantToken('gateway');

  beforeAll(async () => {
    [anthropic, backup, openai, gemini] = await Promise.all([
      startFakeAnthropicServer({ apiKey: ANTHROPIC_KEY }),
      startFakeAnthropicServer({ apiKey: BACKUP_KEY }),
      startFakeOpenAiServer({ apiKey: OPENAI_KEY }),
      startFakeGeminiServer({ apiKey: GEMINI_KEY }),
    ]);
    const provider = (key: string, settings: Record<string, string>) =>
      Object.fromEntries(Object.entries(settings).map(([name, value]) => [`OZ_PROVIDER_${key}_${name}`, value]));
    cp = await startControlPlane({
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
      ...provider('CLAUDE', { TYPE: 'anthropic', BASE_URL: anthropic.url, API_KEY: ANTHROPIC_KEY, MODEL: 'claude-server-model' }),
      ...provider('CLAUDE_BACKUP', { TYPE: 'anthropic', BASE_URL: backup.url, API_KEY: BACKUP_KEY, MODEL: 'backup-model' }),
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'claude_backup',
      ...provider('CODEX', { TYPE: 'openai_compatible', BASE_URL: openai.url, API_KEY: OPENAI_KEY, MODEL: 'gpt-server-model' }),
      ...provider('GEMINI', { TYPE: 'gemini', BASE_URL: gemini.url, API_KEY: GEMINI_KEY, MODEL: 'gemini-server-model' }),
      // Two calls an hour, no fallback (harness custom): the third is refused.
      ...provider('LIMITED', { TYPE: 'anthropic', BASE_URL: anthropic.url, API_KEY: ANTHROPIC_KEY, MODEL: 'limited-model', MSG_LIMIT: '2', WINDOW_SECONDS: '3600' }),
      // Two calls an hour, then the kimi harness's fallback.
      ...provider('KIMI_LIMITED', { TYPE: 'anthropic', BASE_URL: anthropic.url, API_KEY: ANTHROPIC_KEY, MODEL: 'kimi-limited-model', MSG_LIMIT: '2', WINDOW_SECONDS: '3600' }),
      OZ_PROVIDER_FALLBACK_ORDER_KIMI: 'claude_backup',
      // One call per second: a second call waits for the slot, the client waiting with it.
      ...provider('SLOW', { TYPE: 'anthropic', BASE_URL: anthropic.url, API_KEY: ANTHROPIC_KEY, MODEL: 'slow-model', MSG_LIMIT: '1', WINDOW_SECONDS: '1' }),
      OZ_QUEUE_MAX_WAIT_SECONDS: '30',
    });
    environmentId = await workerEnvironment(cp, token, 'gateway-env');
    worker = await connectScriptedWorker(cp.origin, WORKER_TOKEN, 'gateway-worker');
    run = await heldRun(cp, worker, token, environmentId, { model_id: 'claude-sonnet-4-5', harness: { type: 'claude' } });
  });

  afterAll(async () => {
    await worker?.close();
    await cp?.close();
    await Promise.all([anthropic, backup, openai, gemini].map((server) => server?.close()));
  });

  beforeEach(() => [anthropic, backup, openai, gemini].forEach((server) => server.reset()));

  const gateway = (path: string, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; method?: string } = {}) =>
    fetch(`${cp.apiBaseUrl}${path}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      signal: init.signal,
    });
  const claudeHeaders = (key = run.taskToken) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' });
  const messages = (model: string, prompt: string, extra: Record<string, unknown> = {}) => ({
    model,
    max_tokens: 128_000,
    messages: [{ role: 'user', content: prompt }],
    ...extra,
  });

  function expectOnlyPassedHeaders(response: Response): void {
    const names = [...response.headers.keys()].filter((name) => !['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'cache-control', 'x-accel-buffering'].includes(name));
    expect(names.filter((name) => !PASSED_RESPONSE_HEADERS.includes(name))).toEqual([]);
  }

  it('passes a streamed Claude Code call with tools, extra fields and betas to the anthropic provider, with the server-side key', async () => {
    anthropic.enqueue({ kind: 'tool-use', name: 'Bash', input: { command: 'echo proof > proof.txt' }, text: 'Writing the proof.' });
    const body = messages('claude-sonnet-4-5', 'Write the proof file', {
      stream: true,
      tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
      thinking: { type: 'adaptive' },
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      output_config: { effort: 'high' },
      metadata: { user_id: 'session-1' },
    });
    const response = await gateway('/llm/anthropic/v1/messages?beta=true', {
      body,
      headers: { ...claudeHeaders(), 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14', 'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-oz-provider')).toBe('claude');
    expectOnlyPassedHeaders(response);
    const events = await readSse(response);

    // The provider got the request as sent, but with its own key and its configured model.
    expect(anthropic.requests).toHaveLength(1);
    const seen = anthropic.requests[0];
    expect(seen?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(seen?.headers['anthropic-beta']).toBe('claude-code-20250219,interleaved-thinking-2025-05-14');
    expect(seen?.headers['user-agent']).toMatch(/^claude-cli\/2\.1\.332/);
    expect(seen?.headers['authorization']).toBeUndefined();
    expect(seen?.search).toBe('?beta=true');
    expect(seen?.body).toEqual({ ...body, model: 'claude-server-model' });

    // Every event came through as the provider sent it: the tool call in JSON pieces included.
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const input = events
      .map((e) => JSON.parse(e.data) as { delta?: { type?: string; partial_json?: string } })
      .filter((d) => d.delta?.type === 'input_json_delta')
      .map((d) => d.delta?.partial_json)
      .join('');
    expect(JSON.parse(input)).toEqual({ command: 'echo proof > proof.txt' });
    expect(JSON.stringify(events)).not.toContain(ANTHROPIC_KEY);
  });

  it('answers a whole (not streamed) call too, with Bearer as well as x-api-key, and counts its tokens on the run', async () => {
    const before = (await retrieveRun(cp.sdk(token), run.runId)).request_usage;
    anthropic.enqueue({ kind: 'answer', text: 'a whole answer' });
    const response = await gateway('/llm/anthropic/v1/messages', {
      body: messages('claude-sonnet-4-5', 'twelve characters'),
      headers: { authorization: `Bearer ${run.taskToken}`, 'anthropic-version': '2023-06-01' },
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { content: Array<{ text: string }>; usage: { input_tokens: number; output_tokens: number } };
    expect(answer.content[0]?.text).toBe('a whole answer');
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe(ANTHROPIC_KEY);

    const after = (await retrieveRun(cp.sdk(token), run.runId)).request_usage;
    const claude = (usage: typeof after) => usage?.by_provider.find((p) => p.provider === 'claude');
    expect((claude(after)?.calls ?? 0) - (claude(before)?.calls ?? 0)).toBe(1);
    expect((claude(after)?.input_tokens ?? 0) - (claude(before)?.input_tokens ?? 0)).toBe(answer.usage.input_tokens);
    expect((claude(after)?.output_tokens ?? 0) - (claude(before)?.output_tokens ?? 0)).toBe(answer.usage.output_tokens);
  });

  it('takes the task token only, while its run is held, and says so in the caller’s own format', async () => {
    const call = (headers: Record<string, string>) => gateway('/llm/anthropic/v1/messages', { body: messages('claude-x', 'hi'), headers: { 'anthropic-version': '2023-06-01', ...headers } });
    const refusals: Array<[string, Record<string, string>, number]> = [
      ['no token', {}, 401],
      ['the admin key', { 'x-api-key': cp.adminKey }, 403],
      ['a worker token', { authorization: `Bearer ${WORKER_TOKEN}` }, 403],
      ['an unknown task token', { 'x-api-key': 'oz_task_not-a-real-token-0123456789' }, 401],
      ['an unknown token', { 'x-api-key': 'some-random-token-0123456789' }, 401],
    ];
    for (const [what, headers, status] of refusals) {
      const response = await call(headers);
      expect(`${what} → ${response.status}`).toBe(`${what} → ${status}`);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: status === 401 ? 'authentication_error' : 'permission_error' } });
      expect(response.headers.get('x-should-retry')).toBe('false');
    }
    // OpenAI and Gemini routes answer in their own formats.
    const openAiRefusal = await gateway('/llm/openai/chat/completions', { body: { model: 'codex', messages: [] } });
    expect(openAiRefusal.status).toBe(401);
    expect(await openAiRefusal.json()).toMatchObject({ error: { type: 'authentication_error', message: expect.stringContaining('task token') } });
    const geminiRefusal = await gateway('/llm/gemini/v1beta/models/gemini-x:generateContent', { body: { contents: [] }, headers: { 'x-goog-api-key': cp.adminKey } });
    expect(geminiRefusal.status).toBe(403);
    expect(await geminiRefusal.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    expect(anthropic.requests).toHaveLength(0);

    // The task token is no tenant: the runs API refuses it, open tenancy or not.
    const runsAnswer = await cp.request('/api/v1/agent/runs', { token: run.taskToken });
    expect(runsAnswer.status).toBe(401);
    expect(((await runsAnswer.json()) as { message: string }).message).toMatch(/task token/);
  });

  it('refuses what a hostile task may send: a bad model id, a body that is no object, a body over the limit', async () => {
    for (const model of ['--help', 'a b', 'x'.repeat(201), '']) {
      const response = await gateway('/llm/anthropic/v1/messages', { body: messages(model, 'hi'), headers: claudeHeaders() });
      expect(`${JSON.stringify(model).slice(0, 20)} → ${response.status}`).toBe(`${JSON.stringify(model).slice(0, 20)} → 400`);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^model/) } });
    }
    expect((await gateway('/llm/anthropic/v1/messages', { body: '[1, 2]', headers: claudeHeaders() })).status).toBe(400);
    expect((await gateway('/llm/gemini/v1beta/models/gemini-x:countTokens', { body: {}, headers: { 'x-goog-api-key': run.taskToken } })).status).toBe(404);
    const huge = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-x', 'x'.repeat(11 * 1024 * 1024)), headers: claudeHeaders() });
    expect(huge.status).toBe(413);
    expect(anthropic.requests).toHaveLength(0);
  });

  it('routes by the call’s model like a run’s model_id: <key>/<model> sends that model; a model naming nothing goes by the run’s config', async () => {
    await gateway('/llm/anthropic/v1/messages', { body: messages('claude_backup/chosen-model', 'explicit'), headers: claudeHeaders() }).then((r) => r.text());
    expect(backup.requests.map((r) => [r.model, r.headers['x-api-key']])).toEqual([['chosen-model', BACKUP_KEY]]);
    // "my-model" names no provider and no harness: the run's own config (harness claude) decides.
    await gateway('/llm/anthropic/v1/messages', { body: messages('my-model', 'by the run'), headers: claudeHeaders() }).then((r) => r.text());
    expect(anthropic.requests.map((r) => r.model)).toEqual(['claude-server-model']);
  });

  it('says which provider to configure when none of the call’s format serves its model', async () => {
    const response = await gateway('/llm/anthropic/v1/messages', { body: messages('codex/gpt-5.5', 'wrong format'), headers: claudeHeaders() });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(body.error.message).toContain('OZ_PROVIDER_<KEY>_TYPE=anthropic');
    expect(body.error.message).not.toContain(OPENAI_KEY);
    expect(openai.requests).toHaveLength(0);
  });

  it('falls back on a 500 before anything reached the client, and relays a refused request (400) without falling back', async () => {
    anthropic.enqueue({ kind: 'status', status: 500, message: 'internal trouble' });
    backup.enqueue({ kind: 'answer', text: 'from the backup' });
    const fellBack = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'fall back', { stream: true }), headers: claudeHeaders() });
    expect(fellBack.headers.get('x-oz-provider')).toBe('claude_backup');
    const text = (await readSse(fellBack))
      .map((e) => JSON.parse(e.data) as { delta?: { text?: string } })
      .map((d) => d.delta?.text ?? '')
      .join('');
    expect(text).toBe('from the backup');
    expect([anthropic.requests.length, backup.requests.length]).toEqual([1, 1]);
    expect(backup.requests[0]?.headers['x-api-key']).toBe(BACKUP_KEY);

    anthropic.enqueue({ kind: 'status', status: 400, message: 'prompt is too long: 300000 tokens > 200000 maximum' });
    const refused = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'too long'), headers: claudeHeaders() });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The provider refused the request: prompt is too long: 300000 tokens > 200000 maximum' },
    });
    expect(backup.requests).toHaveLength(1);

    // A 404 (a wrong model or URL) names the operator's configuration: the status, not the words.
    anthropic.enqueue({ kind: 'status', status: 404, message: 'model: claude-server-model not found' });
    const missing = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'where'), headers: claudeHeaders() });
    expect(missing.status).toBe(404);
    const said = ((await missing.json()) as { error: { message: string } }).error.message;
    expect(said).toMatch(/administrator/);
    expect(said).not.toContain('claude-server-model');
  });

  it('never tells the task that the provider refused the deployment’s own key', async () => {
    anthropic.enqueue({ kind: 'status', status: 401, message: 'invalid x-api-key' });
    const response = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'bad key'), headers: claudeHeaders() });
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/administrator/);
    expect(body.error.message).not.toMatch(/x-api-key/);
  });

  it('holds a provider’s quota across gateway calls: the third call is refused with Retry-After, or falls back when the harness has a fallback', async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await gateway('/llm/anthropic/v1/messages', { body: messages('limited', `call ${i}`), headers: claudeHeaders() });
      expect(ok.status).toBe(200);
      await ok.text();
    }
    const third = await gateway('/llm/anthropic/v1/messages', { body: messages('limited', 'call 3'), headers: claudeHeaders() });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(30);
    expect(await third.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(anthropic.requests.filter((r) => r.model === 'limited-model')).toHaveLength(2);

    for (let i = 0; i < 3; i++) await (await gateway('/llm/anthropic/v1/messages', { body: messages('kimi_limited', `call ${i}`), headers: claudeHeaders() })).text();
    expect(anthropic.requests.filter((r) => r.model === 'kimi-limited-model')).toHaveLength(2);
    expect(backup.requests.map((r) => r.model)).toEqual(['backup-model']);
  });

  it('queues a call while its provider is saturated, the client waiting, until the window frees a slot', async () => {
    const [first, second] = await Promise.all(
      ['first', 'second'].map(async (prompt) => {
        const response = await gateway('/llm/anthropic/v1/messages', { body: messages('slow', prompt), headers: claudeHeaders() });
        return { status: response.status, text: ((await response.json()) as { content: Array<{ text: string }> }).content[0]?.text };
      }),
    );
    expect([first, second]).toEqual([
      { status: 200, text: 'echo: first' },
      { status: 200, text: 'echo: second' },
    ]);
    const [a, b] = anthropic.requests.filter((r) => r.model === 'slow-model').sort((x, y) => x.receivedAt - y.receivedAt);
    // One call per second: the second reached the provider only once the first had left the window.
    expect((b?.receivedAt ?? 0) - (a?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('passes OpenAI chat streams on without the usage chunk it asked for, yet counts their tokens; a client that asks gets it', async () => {
    const before = (await retrieveRun(cp.sdk(token), run.runId)).request_usage?.by_provider.find((p) => p.provider === 'codex');
    const chat = (extra: Record<string, unknown>) =>
      gateway('/llm/openai/chat/completions', {
        body: { model: 'codex', stream: true, messages: [{ role: 'user', content: 'count me please' }], ...extra },
        headers: { authorization: `Bearer ${run.taskToken}` },
      });
    const plain = await readSse(await chat({}));
    expect(openai.requests[0]?.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect(openai.requests[0]?.body).toMatchObject({ model: 'gpt-server-model', stream_options: { include_usage: true } });
    expect(plain.some((e) => e.data.includes('"usage"'))).toBe(false);
    expect(plain.at(-1)?.data).toBe('[DONE]');

    const asked = await readSse(await chat({ stream_options: { include_usage: true } }));
    expect(asked.filter((e) => e.data.includes('"usage"'))).toHaveLength(1);

    const after = (await retrieveRun(cp.sdk(token), run.runId)).request_usage?.by_provider.find((p) => p.provider === 'codex');
    expect((after?.calls ?? 0) - (before?.calls ?? 0)).toBe(2);
    expect((after?.input_tokens ?? 0) - (before?.input_tokens ?? 0)).toBe(2 * Math.ceil('count me please'.length / 4));
  });

  it('passes the Responses API (Codex) through to {base}/responses, function calls and usage included, and lists the models', async () => {
    openai.enqueue({ kind: 'tool-use', name: 'exec_command', input: { cmd: 'ls' } });
    const response = await gateway('/llm/openai/responses', {
      body: { model: 'gpt-5.5', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] }], tools: [{ type: 'function', name: 'exec_command', parameters: {} }], store: false },
      headers: { authorization: `Bearer ${run.taskToken}` },
    });
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(openai.requests[0]).toMatchObject({ api: 'responses', path: '/v1/responses', model: 'gpt-server-model', prompt: 'list files' });
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['response.created', 'response.function_call_arguments.delta', 'response.output_item.done', 'response.completed']));
    const done = events.find((e) => e.event === 'response.output_item.done');
    expect(JSON.parse(done?.data ?? '{}')).toMatchObject({ item: { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}' } });

    const models = (await (await gateway('/llm/openai/models', { method: 'GET', headers: { authorization: `Bearer ${run.taskToken}` } })).json()) as { data: Array<{ id: string }> };
    // The keys that route to openai_compatible providers, not the models configured behind them.
    expect(models.data.map((m) => m.id)).toEqual(['codex']);
  });

  it('passes Gemini CLI’s streamGenerateContent?alt=sse through to a gemini provider, with the key as x-goog-api-key', async () => {
    gemini.enqueue({ kind: 'tool-use', name: 'run_shell_command', input: { command: 'ls' } });
    const response = await gateway('/llm/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      body: { contents: [{ role: 'user', parts: [{ text: 'list files' }] }], tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }] },
      headers: { 'x-goog-api-key': run.taskToken },
    });
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(gemini.requests[0]).toMatchObject({ model: 'gemini-server-model', stream: true, search: '?alt=sse', prompt: 'list files' });
    expect(gemini.requests[0]?.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ candidates: [{ content: { parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls' } } }] } }] });
  });

  it('cancels the provider’s call when the client goes away mid-stream, and counts it as failed', async () => {
    const failedBefore = (await retrieveRun(cp.sdk(token), run.runId)).request_usage?.failed_calls ?? 0;
    anthropic.enqueue({ kind: 'answer', chunks: ['one ', 'two ', 'three'], chunkDelayMs: 2_000 });
    const aborter = new AbortController();
    const response = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'slowly', { stream: true }), headers: claudeHeaders(), signal: aborter.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while (!seen.includes('one ')) seen += new TextDecoder().decode((await reader.read()).value);
    aborter.abort();
    await anthropic.waitForAbort(0);
    // Counted once the call is over (after the client left): wait for it, so the next test starts even.
    await waitForRun(cp.sdk(token), run.runId, (r) => (r.request_usage?.failed_calls ?? 0) === failedBefore + 1);
  });

  it('ends a stream that breaks after it began with an error event in its format, and counts the call as failed', async () => {
    const before = (await retrieveRun(cp.sdk(token), run.runId)).request_usage;
    anthropic.enqueue({ kind: 'broken-stream', text: 'half an answer', afterChunks: 1 });
    const response = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'break', { stream: true }), headers: claudeHeaders() });
    const events = parseSse(await response.text());
    expect(events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(backup.requests).toHaveLength(0); // too late to fall back: the client had the first events
    const after = (await retrieveRun(cp.sdk(token), run.runId)).request_usage;
    expect((after?.failed_calls ?? 0) - (before?.failed_calls ?? 0)).toBe(1);
  });

  it('shows the gateway’s usage per provider to the admin, and refuses the token once its run ended', async () => {
    const status = (await (await cp.request('/api/v1/admin/providers')).json()) as { providers: Array<{ key: string; gateway_usage: { calls: number; window_hours: number } }> };
    const claude = status.providers.find((p) => p.key === 'claude');
    expect(claude?.gateway_usage.window_hours).toBe(24);
    const [{ calls }] = await queryOnce<{ calls: string }>(cp.database.url, `SELECT sum(calls) AS calls FROM provider_request_usage WHERE provider_key = 'claude'`);
    expect(claude?.gateway_usage.calls).toBe(Number(calls));
    expect(claude?.gateway_usage.calls).toBeGreaterThan(0);

    await cp.sdk(token).agent.runs.cancel(run.runId);
    const after = await gateway('/llm/anthropic/v1/messages', { body: messages('claude-sonnet-4-5', 'too late'), headers: claudeHeaders() });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/run has ended/);
    expect(anthropic.requests).toHaveLength(0);
  });
});
