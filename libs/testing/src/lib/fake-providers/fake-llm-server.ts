import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/**
 * Local stand-ins for LLM providers that speak the real wire protocols: OpenAI chat completions (and,
 * on the same server, the Responses API and the model list), Anthropic messages and Gemini's
 * generateContent, streaming (server-sent events) and not. Tests script each reply: an answer in
 * pieces, a tool call, an error status, a hang, a dropped connection, a stream cut short or an error
 * mid-stream.
 */

export type FakeReply =
  /**
   * `text` defaults to `echo: <prompt>`; streamed as `chunks` (default: about three pieces) with
   * `chunkDelayMs` between them. `headerDelayMs` holds back the response headers (a slow provider).
   */
  | { kind: 'answer'; text?: string; chunks?: string[]; chunkDelayMs?: number; headerDelayMs?: number }
  /** An error answer in the protocol's own format (e.g. 429 with `{ 'retry-after': '2' }`). */
  | { kind: 'status'; status: number; message?: string; errorType?: string; headers?: Record<string, string> }
  /** Reads the request and never answers; the request ends when the client (or `close()`) gives up. */
  | { kind: 'hang' }
  /** Destroys the socket as soon as the request is read. */
  | { kind: 'drop' }
  /**
   * Streams `afterChunks` (default 1) pieces of the answer, then destroys the socket without the closing
   * events. A non-streaming request gets the start of its JSON body instead.
   */
  | { kind: 'broken-stream'; text?: string; afterChunks?: number }
  /**
   * Streams `afterChunks` (default 1) pieces, then an in-stream error event, then ends the response
   * normally. A non-streaming request gets the error as an error status instead (see `statusOfErrorType`).
   */
  | { kind: 'stream-error'; errorType?: string; message?: string; afterChunks?: number }
  /**
   * A call of the client's tool `name` with `input` as its arguments, after `text` when given: an
   * Anthropic `tool_use` block (`stop_reason: tool_use`) or an OpenAI `tool_calls` entry
   * (`finish_reason: tool_calls`). Streamed, the arguments arrive as JSON pieces (`input_json_delta`,
   * `function.arguments` deltas), as the real APIs send them. `id` defaults to a fresh one.
   */
  | { kind: 'tool-use'; name: string; input: Record<string, unknown>; text?: string; id?: string };

/** The tool call of a `tool-use` reply, its id settled. */
interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  text: string | undefined;
}

export type FakeProtocol = 'openai' | 'anthropic' | 'gemini';

/** Which API of its server a request called. */
export type FakeApi = 'chat_completions' | 'responses' | 'messages' | 'generate_content';

export interface FakeRequest {
  protocol: FakeProtocol;
  api: FakeApi;
  path: string;
  /** The query string as sent (`?beta=true`, `?alt=sse`), or ''. */
  search: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** The body's `model` (Gemini: the model in the path). */
  model: string;
  /** Gemini: the `streamGenerateContent` method. */
  stream: boolean;
  /** The last user message's text (a string, or its text blocks joined; Responses: `input`; Gemini: the last user content's text parts). */
  prompt: string;
  /** OpenAI: the `system` message; Responses: `instructions`; Anthropic: `body.system`; Gemini: `systemInstruction`. */
  system: string | undefined;
  receivedAt: number;
  /** The client went away before the response was finished (not set when the fake cut it itself). */
  aborted: boolean;
  /** The fake sent the whole response. */
  finished: boolean;
}

export interface FakeLlmServer {
  readonly protocol: FakeProtocol;
  /**
   * What a client is configured with: `…/v1` for OpenAI (it adds /chat/completions, /responses or
   * /models); the origin for Anthropic (it adds /v1/messages) and Gemini (it adds /v1beta/models/…).
   */
  readonly url: string;
  /** Requests that passed routing, auth and JSON parsing, in arrival order. */
  readonly requests: FakeRequest[];
  /** Requests currently being answered. */
  readonly inFlight: number;
  /** Highest `inFlight` seen since start or `reset()`. */
  readonly maxInFlight: number;
  /** Replies used in order for the next requests; when empty, the script decides, else the default answer. */
  enqueue(...replies: FakeReply[]): void;
  /** Decides the reply per request; `index` is the 0-based request number on this server. */
  script(decide: ((request: FakeRequest, index: number) => FakeReply) | undefined): void;
  /** Resolves once at least `n` requests have arrived; rejects after `timeoutMs` (default 10 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once request #`index` has been aborted by the client; rejects after `timeoutMs` (default 10 s). */
  waitForAbort(index: number, timeoutMs?: number): Promise<void>;
  /** Forgets requests, queue and script; `maxInFlight` restarts from the requests still in flight. */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

export interface FakeLlmServerOptions {
  /**
   * When set, requests must carry it (OpenAI: `Authorization: Bearer`; Anthropic: `x-api-key`, else
   * 401; Gemini: `x-goog-api-key`, else 400 as Google answers a bad key).
   */
  apiKey?: string;
  /** OpenAI: the ids `GET /v1/models` lists (default: `model-1`). */
  models?: string[];
  /** Default 0: a free port. The host is always 127.0.0.1. */
  port?: number;
}

/** The fake agent CLI: see the script for its flags. It ships next to this file (ts-jest and tsx run from source). */
export const FAKE_AGENT_CLI_PATH = join(__dirname, 'fake-agent-cli.sh');

/** Chat completions at `/v1/chat/completions`, the Responses API at `/v1/responses`, the model list at `GET /v1/models`. */
export function startFakeOpenAiServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFake([openAiProtocol, openAiResponsesProtocol], options);
}

export function startFakeAnthropicServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFake([anthropicProtocol], options);
}

/** `POST /v1beta/models/{model}:generateContent`, and `:streamGenerateContent` (SSE with `?alt=sse`, as Gemini CLI asks). */
export function startFakeGeminiServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFake([geminiProtocol], options);
}

/** A request the fake is answering, with what it needs beyond the public record. */
interface Exchange {
  request: FakeRequest;
  /** One id per response, so every chunk of a stream carries the same one, as the real APIs do. */
  id: string;
  res: ServerResponse;
  /** The connection is gone (either side); nothing more may be written. */
  closed: () => boolean;
  /** Destroys the connection on purpose, so that it does not count as a client abort. */
  cut: () => void;
}

/** What differs between the protocols. */
interface Protocol {
  name: FakeProtocol;
  api: FakeApi;
  /** Whether a POST to this path is this protocol's; Gemini also reads the model and the method from it. */
  match(pathname: string): { model?: string; stream?: boolean } | null;
  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  /** Problems with the request's headers beyond auth (Anthropic requires its version header). */
  headerProblem(headers: IncomingHttpHeaders): string | null;
  errorBody(status: number, message: string, type?: string): unknown;
  /** The message of a 401, worded as the real API words it. */
  unauthorizedMessage: string;
  /** The error type of `stream-error` when the reply names none. */
  streamErrorType: string;
  /** The status of a request without the right key (Gemini answers 400). */
  unauthorizedStatus?: number;
  newId(): string;
  system(body: Record<string, unknown>): string | undefined;
  answer(exchange: Exchange, text: string): unknown;
  /** The stream's events, in order: opening events, then one per piece, then closing ones. */
  streamOpening(exchange: Exchange): string[];
  streamPiece(exchange: Exchange, piece: string): string;
  streamClosing(exchange: Exchange, text: string): string[];
  streamError(type: string, message: string): string;
  newToolCallId(): string;
  toolAnswer(exchange: Exchange, call: ToolCall): unknown;
  toolStream(exchange: Exchange, call: ToolCall): string[];
}

const openAiProtocol: Protocol = {
  name: 'openai',
  api: 'chat_completions',
  match: (pathname) => (pathname === '/v1/chat/completions' ? {} : null),
  authorized: (headers, apiKey) => headers.authorization === `Bearer ${apiKey}`,
  headerProblem: () => null,
  errorBody: (status, message, type) => ({
    error: { message, type: type ?? openAiErrorType(status), param: null, code: openAiErrorCode(status) },
  }),
  unauthorizedMessage: 'Incorrect API key provided',
  streamErrorType: 'server_error',
  newId: () => `chatcmpl-${randomBytes(12).toString('hex')}`,
  system: (body) => {
    const system = messagesOf(body).find((message) => message['role'] === 'system');
    return system ? textOf(system['content']) : undefined;
  },
  answer: ({ id, request }, text) => ({
    id,
    object: 'chat.completion',
    created: unixSeconds(),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: tokens(request.prompt), completion_tokens: tokens(text), total_tokens: tokens(request.prompt) + tokens(text) },
  }),
  streamOpening: (exchange) => [openAiChunk(exchange, { role: 'assistant', content: '' }, null)],
  streamPiece: (exchange, piece) => openAiChunk(exchange, { content: piece }, null),
  streamClosing: (exchange, text) => [openAiChunk(exchange, {}, 'stop'), ...openAiUsageChunk(exchange, tokens(text)), 'data: [DONE]\n\n'],
  streamError: (type, message) => `data: ${JSON.stringify({ error: { message, type, param: null, code: null } })}\n\n`,
  newToolCallId: () => `call_${randomBytes(12).toString('hex')}`,
  toolAnswer: ({ id, request }, call) => {
    const args = JSON.stringify(call.input);
    return {
      id,
      object: 'chat.completion',
      created: unixSeconds(),
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: call.text ?? null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: args } }] },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: tokens(request.prompt), completion_tokens: tokens(args), total_tokens: tokens(request.prompt) + tokens(args) },
    };
  },
  toolStream: (exchange, call) => [
    openAiChunk(exchange, { role: 'assistant', content: call.text ?? null }, null),
    openAiChunk(exchange, { tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null),
    ...splitInto(JSON.stringify(call.input), 3).map((piece) => openAiChunk(exchange, { tool_calls: [{ index: 0, function: { arguments: piece } }] }, null)),
    openAiChunk(exchange, {}, 'tool_calls'),
    ...openAiUsageChunk(exchange, tokens(JSON.stringify(call.input))),
    'data: [DONE]\n\n',
  ],
};

/**
 * The Responses API (what Codex speaks): `input` as a string or a list of items, `instructions`,
 * function tools; streamed as typed events (`response.created` … `response.completed`, whose
 * response carries the usage).
 */
const openAiResponsesProtocol: Protocol = {
  name: 'openai',
  api: 'responses',
  match: (pathname) => (pathname === '/v1/responses' ? {} : null),
  authorized: openAiProtocol.authorized,
  headerProblem: () => null,
  errorBody: openAiProtocol.errorBody,
  unauthorizedMessage: openAiProtocol.unauthorizedMessage,
  streamErrorType: 'server_error',
  newId: () => `resp_${randomBytes(12).toString('hex')}`,
  system: (body) => (typeof body['instructions'] === 'string' ? body['instructions'] : undefined),
  answer: (exchange, text) => responseObject(exchange, 'completed', [messageItem(exchange, text, 'completed')], text),
  streamOpening: (exchange) => [
    responseEvent(exchange, 'response.created', { response: responseObject(exchange, 'in_progress', [], null) }),
    responseEvent(exchange, 'response.in_progress', { response: responseObject(exchange, 'in_progress', [], null) }),
    responseEvent(exchange, 'response.output_item.added', { output_index: 0, item: messageItem(exchange, null, 'in_progress') }),
    responseEvent(exchange, 'response.content_part.added', { item_id: messageIdOf(exchange), output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
  ],
  streamPiece: (exchange, piece) =>
    responseEvent(exchange, 'response.output_text.delta', { item_id: messageIdOf(exchange), output_index: 0, content_index: 0, delta: piece }),
  streamClosing: (exchange, text) => [
    responseEvent(exchange, 'response.output_text.done', { item_id: messageIdOf(exchange), output_index: 0, content_index: 0, text }),
    responseEvent(exchange, 'response.content_part.done', { item_id: messageIdOf(exchange), output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] } }),
    responseEvent(exchange, 'response.output_item.done', { output_index: 0, item: messageItem(exchange, text, 'completed') }),
    responseEvent(exchange, 'response.completed', { response: responseObject(exchange, 'completed', [messageItem(exchange, text, 'completed')], text) }),
  ],
  streamError: (type, message) => sse('error', { type: 'error', code: type, message, param: null }),
  newToolCallId: () => `call_${randomBytes(12).toString('hex')}`,
  toolAnswer: (exchange, call) => responseObject(exchange, 'completed', functionCallItems(exchange, call, 'completed'), JSON.stringify(call.input)),
  toolStream: (exchange, call) => {
    const items = functionCallItems(exchange, call, 'completed');
    const fc = items.at(-1) as { id: string; arguments: string };
    const index = items.length - 1;
    return [
      responseEvent(exchange, 'response.created', { response: responseObject(exchange, 'in_progress', [], null) }),
      ...(call.text
        ? [
            responseEvent(exchange, 'response.output_item.added', { output_index: 0, item: messageItem(exchange, null, 'in_progress') }),
            responseEvent(exchange, 'response.output_text.delta', { item_id: messageIdOf(exchange), output_index: 0, content_index: 0, delta: call.text }),
            responseEvent(exchange, 'response.output_item.done', { output_index: 0, item: items[0] }),
          ]
        : []),
      responseEvent(exchange, 'response.output_item.added', { output_index: index, item: { ...fc, arguments: '', status: 'in_progress' } }),
      ...splitInto(fc.arguments, 3).map((piece) => responseEvent(exchange, 'response.function_call_arguments.delta', { item_id: fc.id, output_index: index, delta: piece })),
      responseEvent(exchange, 'response.function_call_arguments.done', { item_id: fc.id, output_index: index, arguments: fc.arguments }),
      responseEvent(exchange, 'response.output_item.done', { output_index: index, item: fc }),
      responseEvent(exchange, 'response.completed', { response: responseObject(exchange, 'completed', items, fc.arguments) }),
    ];
  },
};

/** Gemini's generateContent: `contents` of `parts`, tools as `functionDeclarations`, answers as candidates. */
const geminiProtocol: Protocol = {
  name: 'gemini',
  api: 'generate_content',
  match: (pathname) => {
    const found = /^\/v1beta\/models\/([^/:]+(?:\/[^/:]+)*):(generateContent|streamGenerateContent)$/.exec(pathname);
    return found ? { model: decodeURIComponent(found[1] ?? ''), stream: found[2] === 'streamGenerateContent' } : null;
  },
  authorized: (headers, apiKey) => headers['x-goog-api-key'] === apiKey,
  headerProblem: () => null,
  errorBody: (status, message, type) => ({ error: { code: status, message, status: type ?? geminiStatus(status) } }),
  unauthorizedMessage: 'API key not valid. Please pass a valid API key.',
  unauthorizedStatus: 400,
  streamErrorType: 'UNAVAILABLE',
  newId: () => randomBytes(12).toString('base64url'),
  system: (body) => {
    const instruction = body['systemInstruction'];
    return isRecord(instruction) ? partsText(instruction['parts']) : undefined;
  },
  answer: (exchange, text) => geminiChunk(exchange, [{ text }], 'STOP', tokens(text)),
  streamOpening: () => [],
  streamPiece: (exchange, piece) => geminiSse(geminiChunk(exchange, [{ text: piece }], null, null)),
  streamClosing: (exchange, text) => [geminiSse(geminiChunk(exchange, [{ text: '' }], 'STOP', tokens(text)))],
  streamError: (type, message) => geminiSse({ error: { code: 503, message, status: type } }),
  newToolCallId: () => `call_${randomBytes(6).toString('hex')}`,
  toolAnswer: (exchange, call) =>
    geminiChunk(exchange, [...(call.text ? [{ text: call.text }] : []), { functionCall: { name: call.name, args: call.input } }], 'STOP', tokens(JSON.stringify(call.input))),
  toolStream: (exchange, call) => [
    ...(call.text ? [geminiSse(geminiChunk(exchange, [{ text: call.text }], null, null))] : []),
    geminiSse(geminiChunk(exchange, [{ functionCall: { name: call.name, args: call.input } }], 'STOP', tokens(JSON.stringify(call.input)))),
  ],
};

const anthropicProtocol: Protocol = {
  name: 'anthropic',
  api: 'messages',
  match: (pathname) => (pathname === '/v1/messages' ? {} : null),
  authorized: (headers, apiKey) => headers['x-api-key'] === apiKey,
  headerProblem: (headers) => (headers['anthropic-version'] ? null : 'anthropic-version: header is required'),
  errorBody: (status, message, type) => ({ type: 'error', error: { type: type ?? anthropicErrorType(status), message } }),
  unauthorizedMessage: 'invalid x-api-key',
  streamErrorType: 'overloaded_error',
  newId: () => `msg_${randomBytes(12).toString('hex')}`,
  system: (body) => (body['system'] === undefined ? undefined : textOf(body['system'])),
  answer: ({ id, request }, text) => ({
    id,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: tokens(request.prompt), output_tokens: tokens(text) },
  }),
  streamOpening: ({ id, request }) => [
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: tokens(request.prompt), output_tokens: 1 },
      },
    }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
  ],
  streamPiece: (_exchange, piece) =>
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }),
  streamClosing: (_exchange, text) => [
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens(text) } }),
    sse('message_stop', { type: 'message_stop' }),
  ],
  streamError: (type, message) => sse('error', { type: 'error', error: { type, message } }),
  newToolCallId: () => `toolu_${randomBytes(12).toString('hex')}`,
  toolAnswer: ({ id, request }, call) => ({
    id,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [...(call.text ? [{ type: 'text', text: call.text }] : []), { type: 'tool_use', id: call.id, name: call.name, input: call.input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: tokens(request.prompt), output_tokens: tokens(JSON.stringify(call.input)) },
  }),
  toolStream: ({ id, request }, call) => {
    const index = call.text ? 1 : 0;
    const input = JSON.stringify(call.input);
    return [
      sse('message_start', {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model: request.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: tokens(request.prompt), output_tokens: 1 } },
      }),
      ...(call.text
        ? [
            sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
            sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: call.text } }),
            sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
          ]
        : []),
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      ...splitInto(input, 3).map((piece) => sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } })),
      sse('content_block_stop', { type: 'content_block_stop', index }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: tokens(input) } }),
      sse('message_stop', { type: 'message_stop' }),
    ];
  },
};

async function startFake(protocols: Protocol[], options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  const main = protocols[0] as Protocol;
  const requests: FakeRequest[] = [];
  const queue: FakeReply[] = [];
  let decide: ((request: FakeRequest, index: number) => FakeReply) | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let closing: Promise<void> | undefined;
  const sockets = new Set<Socket>();
  // Wakes waiters whenever a request arrives or ends.
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());

  const server: Server = createServer((req, res) => {
    // A throwing script or a broken request must not take the test process down.
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    res.setHeader('request-id', `req_${randomBytes(12).toString('hex')}`);
    res.setHeader('x-request-id', `req_${randomBytes(12).toString('hex')}`);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (main.name === 'openai' && req.method === 'GET' && url.pathname === '/v1/models') {
      if (options.apiKey !== undefined && !main.authorized(req.headers, options.apiKey)) return sendJson(res, 401, main.errorBody(401, main.unauthorizedMessage));
      const data = (options.models ?? ['model-1']).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' }));
      return sendJson(res, 200, { object: 'list', data });
    }
    const matched = req.method === 'POST' ? protocols.map((p) => ({ protocol: p, found: p.match(url.pathname) })).find((m) => m.found) : undefined;
    if (!matched?.found) {
      const message = main.name === 'openai' ? `Invalid URL (${req.method} ${url.pathname})` : main.name === 'gemini' ? 'Not Found' : 'Not Found';
      return sendJson(res, 404, main.errorBody(404, message));
    }
    const { protocol, found } = matched;
    if (options.apiKey !== undefined && !protocol.authorized(req.headers, options.apiKey)) {
      const status = protocol.unauthorizedStatus ?? 401;
      return sendJson(res, status, protocol.errorBody(status, protocol.unauthorizedMessage));
    }
    const headerProblem = protocol.headerProblem(req.headers);
    if (headerProblem) return sendJson(res, 400, protocol.errorBody(400, headerProblem));
    const body = parseObject(raw);
    if (!body) return sendJson(res, 400, protocol.errorBody(400, 'The request body is not a valid JSON object'));

    const request: FakeRequest = {
      protocol: protocol.name,
      api: protocol.api,
      path: url.pathname,
      search: url.search,
      headers: req.headers,
      body,
      model: found.model ?? (typeof body['model'] === 'string' ? body['model'] : ''),
      stream: found.stream ?? body['stream'] === true,
      prompt: lastUserText(body),
      system: protocol.system(body),
      receivedAt: Date.now(),
      aborted: false,
      finished: false,
    };
    const index = requests.push(request) - 1;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let closed = false;
    let cutByUs = false;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      inFlight--;
      changed();
    };
    res.on('finish', () => {
      request.finished = true;
      settle();
    });
    res.on('close', () => {
      closed = true;
      // Closing unfinished is a client abort, unless the fake cut the connection or is shutting down.
      if (!res.writableFinished && !cutByUs && !closing) request.aborted = true;
      settle();
    });
    changed();

    const exchange: Exchange = {
      request,
      id: protocol.newId(),
      res,
      closed: () => closed,
      cut: () => {
        cutByUs = true;
        res.socket?.destroy();
      },
    };
    const reply = queue.shift() ?? decide?.(request, index) ?? { kind: 'answer' };
    await respond(protocol, exchange, reply);
  }

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const waitUntil = (check: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`fake ${main.name} server at ${origin}: ${what} within ${timeoutMs} ms (${requests.length} requests so far)`));
      }, timeoutMs);
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve();
      };
      listeners.add(listener);
    });

  return {
    protocol: main.name,
    url: main.name === 'openai' ? `${origin}/v1` : origin,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    enqueue: (...replies) => void queue.push(...replies),
    script: (fn) => void (decide = fn),
    waitForRequests: (n, timeoutMs = 10_000) => waitUntil(() => requests.length >= n, timeoutMs, `fewer than ${n} requests arrived`),
    waitForAbort: (index, timeoutMs = 10_000) =>
      waitUntil(() => requests[index]?.aborted === true, timeoutMs, `request #${index} was not aborted by the client`),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      decide = undefined;
      maxInFlight = inFlight;
    },
    close: () => {
      // Twice is harmless: suites often close in afterAll and again in a finally.
      closing ??= (async () => {
        const closed = once(server, 'close');
        server.close();
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
}

async function respond(protocol: Protocol, exchange: Exchange, reply: FakeReply): Promise<void> {
  const { request, res } = exchange;
  switch (reply.kind) {
    case 'hang':
      return; // the socket stays open until the client gives up or the server closes
    case 'drop':
      return exchange.cut();
    case 'status':
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      return sendJson(res, reply.status, protocol.errorBody(reply.status, reply.message ?? defaultMessage(reply.status), reply.errorType));
    case 'answer': {
      const text = reply.text ?? reply.chunks?.join('') ?? `echo: ${request.prompt}`;
      if (reply.headerDelayMs) await sleep(reply.headerDelayMs);
      if (exchange.closed()) return;
      if (!request.stream) return sendJson(res, 200, protocol.answer(exchange, text));
      const pieces = reply.chunks ?? splitInto(text, 3);
      startStream(res);
      for (const event of protocol.streamOpening(exchange)) res.write(event);
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
        if (exchange.closed()) return;
        res.write(protocol.streamPiece(exchange, piece));
      }
      for (const event of protocol.streamClosing(exchange, text)) res.write(event);
      res.end();
      return;
    }
    case 'broken-stream': {
      const text = reply.text ?? `echo: ${request.prompt}`;
      if (request.stream) {
        startStream(res);
        for (const event of protocol.streamOpening(exchange)) res.write(event);
        for (const piece of splitInto(text, 3).slice(0, reply.afterChunks ?? 1)) res.write(protocol.streamPiece(exchange, piece));
      } else {
        // No content-length, so the client cannot tell the body is short until the socket dies.
        const body = JSON.stringify(protocol.answer(exchange, text));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(body.slice(0, Math.floor(body.length / 2)));
      }
      // Let the written bytes reach the client before the connection dies.
      await sleep(20);
      exchange.cut();
      return;
    }
    case 'tool-use': {
      const call: ToolCall = { id: reply.id ?? protocol.newToolCallId(), name: reply.name, input: reply.input, text: reply.text };
      if (!request.stream) return sendJson(res, 200, protocol.toolAnswer(exchange, call));
      startStream(res);
      for (const event of protocol.toolStream(exchange, call)) res.write(event);
      res.end();
      return;
    }
    case 'stream-error': {
      const type = reply.errorType ?? protocol.streamErrorType;
      const message = reply.message ?? 'Overloaded';
      if (!request.stream) {
        const status = statusOfErrorType(type);
        return sendJson(res, status, protocol.errorBody(status, message, type));
      }
      startStream(res);
      for (const event of protocol.streamOpening(exchange)) res.write(event);
      const pieces = splitInto(`echo: ${request.prompt}`, 3);
      for (const piece of pieces.slice(0, reply.afterChunks ?? 1)) res.write(protocol.streamPiece(exchange, piece));
      res.write(protocol.streamError(type, message));
      res.end();
      return;
    }
  }
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Headers go out now, not with the first event, so a client sees the stream open before any delta.
  res.flushHeaders();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messagesOf(body: Record<string, unknown>): Array<Record<string, unknown>> {
  const messages = body['messages'];
  return Array.isArray(messages) ? messages.filter(isRecord) : [];
}

/** The last user turn's text: chat `messages`, Responses `input` (a string or items), Gemini `contents`. */
function lastUserText(body: Record<string, unknown>): string {
  const input = body['input'];
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) {
    const user = input.filter(isRecord).findLast((item) => item['role'] === 'user' && (item['type'] === undefined || item['type'] === 'message'));
    return user ? textOf(user['content']) : '';
  }
  if (Array.isArray(body['contents'])) {
    const user = body['contents'].filter(isRecord).findLast((content) => content['role'] === 'user' || content['role'] === undefined);
    return user ? (partsText(user['parts']) ?? '') : '';
  }
  const user = messagesOf(body).findLast((message) => message['role'] === 'user');
  return user ? textOf(user['content']) : '';
}

/** Gemini's `parts`: their text joined (function calls and responses have none). */
function partsText(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  return parts
    .filter(isRecord)
    .map((part) => (typeof part['text'] === 'string' ? part['text'] : ''))
    .join('');
}

/** A string, or the text blocks of a content array (both protocols allow either). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((block) => ((block['type'] === 'text' || block['type'] === 'input_text') && typeof block['text'] === 'string' ? block['text'] : ''))
    .join('');
}

function openAiChunk({ id, request }: Exchange, delta: Record<string, unknown>, finishReason: string | null): string {
  const chunk = {
    id,
    object: 'chat.completion.chunk',
    created: unixSeconds(),
    model: request.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** The usage chunk OpenAI streams last (no choices) when the request asked for it (`stream_options.include_usage`). */
function openAiUsageChunk({ id, request }: Exchange, completionTokens: number): string[] {
  const options = request.body['stream_options'];
  if (!isRecord(options) || options['include_usage'] !== true) return [];
  const promptTokens = tokens(request.prompt);
  const chunk = {
    id,
    object: 'chat.completion.chunk',
    created: unixSeconds(),
    model: request.model,
    choices: [],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
  return [`data: ${JSON.stringify(chunk)}\n\n`];
}

/** Responses API events carry a sequence number, counted per response. */
const responseSequences = new WeakMap<Exchange, number>();

function responseEvent(exchange: Exchange, type: string, fields: Record<string, unknown>): string {
  const sequence = responseSequences.get(exchange) ?? 0;
  responseSequences.set(exchange, sequence + 1);
  return sse(type, { type, sequence_number: sequence, ...fields });
}

function messageIdOf(exchange: Exchange): string {
  return `msg_${exchange.id.slice('resp_'.length)}`;
}

function messageItem(exchange: Exchange, text: string | null, status: 'in_progress' | 'completed'): Record<string, unknown> {
  return {
    id: messageIdOf(exchange),
    type: 'message',
    status,
    role: 'assistant',
    content: text === null ? [] : [{ type: 'output_text', text, annotations: [] }],
  };
}

function functionCallItems(exchange: Exchange, call: ToolCall, status: 'completed'): Array<Record<string, unknown>> {
  return [
    ...(call.text ? [messageItem(exchange, call.text, status)] : []),
    { id: `fc_${call.id.replace(/^call_/, '')}`, type: 'function_call', status, call_id: call.id, name: call.name, arguments: JSON.stringify(call.input) },
  ];
}

/** A Responses API `response` object; `answered` (the text the usage counts) null while it is in progress. */
function responseObject({ id, request }: Exchange, status: string, output: unknown[], answered: string | null): Record<string, unknown> {
  const input = tokens(request.prompt);
  return {
    id,
    object: 'response',
    created_at: unixSeconds(),
    status,
    model: request.model,
    output,
    usage: answered === null ? null : { input_tokens: input, output_tokens: tokens(answered), total_tokens: input + tokens(answered) },
  };
}

/** One GenerateContentResponse; usage only on the last chunk of a stream (and on a whole answer). */
function geminiChunk({ id, request }: Exchange, parts: unknown[], finishReason: string | null, outputTokens: number | null): Record<string, unknown> {
  const prompt = tokens(request.prompt);
  return {
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
    ...(outputTokens === null ? {} : { usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: outputTokens, totalTokenCount: prompt + outputTokens } }),
    modelVersion: request.model,
    responseId: id,
  };
}

function geminiSse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

const GEMINI_STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function geminiStatus(status: number): string {
  return GEMINI_STATUSES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function splitInto(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length ? pieces : [''];
}

/** A rough count (about four characters a token), enough for clients that read usage. */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function openAiErrorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function openAiErrorCode(status: number): string | null {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'invalid_api_key';
  return null;
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function anthropicErrorType(status: number): string {
  return ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The status a real API pairs with an error type (for `stream-error` on a non-streaming request). */
function statusOfErrorType(type: string): number {
  const known = Object.entries(ANTHROPIC_ERROR_TYPES).find(([, name]) => name === type);
  if (known) return Number(known[0]);
  if (type === 'requests' || type === 'rate_limit_exceeded') return 429;
  return 500;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests';
  if (status === 401) return 'Incorrect API key provided';
  if (status === 529) return 'Overloaded';
  if (status >= 500) return 'The server had an error while processing your request';
  return 'Invalid request';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
