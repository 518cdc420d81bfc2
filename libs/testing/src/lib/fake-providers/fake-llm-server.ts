import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/**
 * Local stand-ins for LLM providers that speak the real wire protocols: OpenAI chat completions and
 * Anthropic messages, streaming (server-sent events) and not. Tests script each reply: an answer in
 * pieces, an error status, a hang, a dropped connection, a stream cut short or an error mid-stream.
 */

export type FakeReply =
  /** `text` defaults to `echo: <prompt>`; streamed as `chunks` (default: about three pieces). */
  | { kind: 'answer'; text?: string; chunks?: string[]; chunkDelayMs?: number; headerDelayMs?: number }
  /** An error answer in the protocol's own format (e.g. 429 with `{ 'retry-after': '2' }`). */
  | { kind: 'status'; status: number; message?: string; errorType?: string; headers?: Record<string, string> }
  /** Reads the request and never answers. */
  | { kind: 'hang' }
  /** Destroys the socket as soon as the request is read. */
  | { kind: 'drop' }
  /** Streams `afterChunks` pieces of the answer, then destroys the socket. */
  | { kind: 'broken-stream'; text?: string; afterChunks?: number }
  /** Streams some pieces, then an in-stream error event, then ends the response normally. */
  | { kind: 'stream-error'; errorType?: string; message?: string; afterChunks?: number };

export type FakeProtocol = 'openai' | 'anthropic';

export interface FakeRequest {
  protocol: FakeProtocol;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The last user message's text. */
  prompt: string;
  system: string | undefined;
  receivedAt: number;
  aborted: boolean;
  finished: boolean;
}

export interface FakeLlmServer {
  readonly protocol: FakeProtocol;
  /** What a client is configured with: `…/v1` for OpenAI (it adds /chat/completions); the origin for Anthropic. */
  readonly url: string;
  readonly requests: FakeRequest[];
  readonly inFlight: number;
  readonly maxInFlight: number;
  enqueue(...replies: FakeReply[]): void;
  script(decide: ((request: FakeRequest, index: number) => FakeReply) | undefined): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  waitForAbort(index: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeLlmServerOptions {
  /** When set, requests must carry it (OpenAI: Bearer; Anthropic: x-api-key), else 401. */
  apiKey?: string;
  port?: number;
}

/** The fake agent CLI: see the script for its flags. */
export const FAKE_AGENT_CLI_PATH = join(__dirname, 'fake-agent-cli.sh');

export function startFakeOpenAiServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFake(openAiProtocol, options);
}

export function startFakeAnthropicServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  return startFake(anthropicProtocol, options);
}

/** What differs between the two protocols. */
interface Protocol {
  name: FakeProtocol;
  path: string;
  /** Base URL as clients are configured with it, from the server's origin. */
  baseUrl(origin: string): string;
  authorized(headers: IncomingHttpHeaders, apiKey: string): boolean;
  /** Problems with the request's headers beyond auth (Anthropic requires its version header). */
  headerProblem(headers: IncomingHttpHeaders): string | null;
  errorBody(status: number, message: string, type?: string): unknown;
  system(body: Record<string, unknown>): string | undefined;
  answer(request: FakeRequest, text: string): unknown;
  /** The stream's events, in order: opening events, then one per piece, then closing ones. */
  streamOpening(request: FakeRequest): string[];
  streamPiece(request: FakeRequest, piece: string): string;
  streamClosing(request: FakeRequest, text: string): string[];
  streamError(type: string, message: string): string;
}

const openAiProtocol: Protocol = {
  name: 'openai',
  path: '/v1/chat/completions',
  baseUrl: (origin) => `${origin}/v1`,
  authorized: (headers, apiKey) => headers.authorization === `Bearer ${apiKey}`,
  headerProblem: () => null,
  errorBody: (status, message, type) => ({
    error: { message, type: type ?? openAiErrorType(status), param: null, code: status === 429 ? 'rate_limit_exceeded' : null },
  }),
  system: (body) => {
    const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<{ role?: string; content?: unknown }>) : [];
    const system = messages.find((m) => m.role === 'system');
    return system ? textOf(system.content) : undefined;
  },
  answer: (request, text) => ({
    id: `chatcmpl-${randomBytes(6).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: tokens(request.prompt), completion_tokens: tokens(text), total_tokens: tokens(request.prompt) + tokens(text) },
  }),
  streamOpening: (request) => [openAiChunk(request, { role: 'assistant', content: '' }, null)],
  streamPiece: (request, piece) => openAiChunk(request, { content: piece }, null),
  streamClosing: (request) => [openAiChunk(request, {}, 'stop'), 'data: [DONE]\n\n'],
  streamError: (type, message) => `data: ${JSON.stringify({ error: { message, type, param: null, code: null } })}\n\n`,
};

const anthropicProtocol: Protocol = {
  name: 'anthropic',
  path: '/v1/messages',
  baseUrl: (origin) => origin,
  authorized: (headers, apiKey) => headers['x-api-key'] === apiKey,
  headerProblem: (headers) => (headers['anthropic-version'] ? null : 'anthropic-version header is required'),
  errorBody: (status, message, type) => ({ type: 'error', error: { type: type ?? anthropicErrorType(status), message } }),
  system: (body) => (body['system'] === undefined ? undefined : textOf(body['system'])),
  answer: (request, text) => ({
    id: `msg_${randomBytes(6).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: tokens(request.prompt), output_tokens: tokens(text) },
  }),
  streamOpening: (request) => [
    sse('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${randomBytes(6).toString('hex')}`,
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
  streamPiece: (_request, piece) =>
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }),
  streamClosing: (_request, text) => [
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens(text) } }),
    sse('message_stop', { type: 'message_stop' }),
  ],
  streamError: (type, message) => sse('error', { type: 'error', error: { type, message } }),
};

async function startFake(protocol: Protocol, options: FakeLlmServerOptions): Promise<FakeLlmServer> {
  const requests: FakeRequest[] = [];
  const queue: FakeReply[] = [];
  let decide: ((request: FakeRequest, index: number) => FakeReply) | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<Socket>();
  // Wakes waiters whenever a request arrives or ends.
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    res.setHeader('request-id', `req_${randomBytes(6).toString('hex')}`);
    res.setHeader('x-request-id', `req_${randomBytes(6).toString('hex')}`);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST' || url.pathname !== protocol.path) {
      return sendJson(res, 404, protocol.errorBody(404, `Unknown route ${req.method} ${url.pathname}`));
    }
    if (options.apiKey && !protocol.authorized(req.headers, options.apiKey)) {
      return sendJson(res, 401, protocol.errorBody(401, protocol.name === 'openai' ? 'Incorrect API key provided' : 'invalid x-api-key'));
    }
    const headerProblem = protocol.headerProblem(req.headers);
    if (headerProblem) return sendJson(res, 400, protocol.errorBody(400, headerProblem));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, protocol.errorBody(400, 'The request body is not valid JSON'));
    }

    const request: FakeRequest = {
      protocol: protocol.name,
      path: url.pathname,
      headers: req.headers,
      body,
      model: typeof body['model'] === 'string' ? body['model'] : '',
      stream: body['stream'] === true,
      prompt: lastUserText(body),
      system: protocol.system(body),
      receivedAt: Date.now(),
      aborted: false,
      finished: false,
    };
    const index = requests.push(request) - 1;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      inFlight--;
      changed();
    };
    res.on('close', () => {
      if (!res.writableFinished) request.aborted = true;
      settle();
    });
    res.on('finish', () => {
      request.finished = true;
      settle();
    });
    changed();

    const reply = queue.shift() ?? decide?.(request, index) ?? { kind: 'answer' };
    await respond(protocol, request, reply, res);
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
        reject(new Error(`fake ${protocol.name} server: ${what} within ${timeoutMs} ms (${requests.length} requests so far)`));
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
    protocol: protocol.name,
    url: protocol.baseUrl(origin),
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    enqueue: (...replies) => void queue.push(...replies),
    script: (fn) => void (decide = fn),
    waitForRequests: (n, timeoutMs = 10_000) => waitUntil(() => requests.length >= n, timeoutMs, `no ${n} requests`),
    waitForAbort: (index, timeoutMs = 10_000) =>
      waitUntil(() => requests[index]?.aborted === true, timeoutMs, `request #${index} was not aborted`),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      decide = undefined;
      maxInFlight = inFlight;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function respond(protocol: Protocol, request: FakeRequest, reply: FakeReply, res: ServerResponse): Promise<void> {
  switch (reply.kind) {
    case 'hang':
      return; // the socket stays open until the client gives up or the server closes
    case 'drop':
      res.socket?.destroy();
      return;
    case 'status':
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      return sendJson(res, reply.status, protocol.errorBody(reply.status, reply.message ?? defaultMessage(reply.status), reply.errorType));
    case 'answer': {
      const text = reply.text ?? reply.chunks?.join('') ?? `echo: ${request.prompt}`;
      if (reply.headerDelayMs) await sleep(reply.headerDelayMs);
      if (res.destroyed) return;
      if (!request.stream) return sendJson(res, 200, protocol.answer(request, text));
      const pieces = reply.chunks ?? splitInto(text, 3);
      startStream(res);
      for (const event of protocol.streamOpening(request)) res.write(event);
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
        if (res.destroyed) return;
        res.write(protocol.streamPiece(request, piece));
      }
      for (const event of protocol.streamClosing(request, text)) res.write(event);
      res.end();
      return;
    }
    case 'broken-stream': {
      const pieces = splitInto(reply.text ?? `echo: ${request.prompt}`, 3);
      startStream(res);
      for (const event of protocol.streamOpening(request)) res.write(event);
      for (const piece of pieces.slice(0, reply.afterChunks ?? 1)) res.write(protocol.streamPiece(request, piece));
      // Let the written bytes reach the client before the connection dies.
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    case 'stream-error': {
      const pieces = splitInto(`echo: ${request.prompt}`, 3);
      startStream(res);
      for (const event of protocol.streamOpening(request)) res.write(event);
      for (const piece of pieces.slice(0, reply.afterChunks ?? 1)) res.write(protocol.streamPiece(request, piece));
      const type = reply.errorType ?? (protocol.name === 'anthropic' ? 'overloaded_error' : 'server_error');
      res.write(protocol.streamError(type, reply.message ?? 'Overloaded'));
      res.end();
      return;
    }
  }
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
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

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<{ role?: string; content?: unknown }>) : [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  return user ? textOf(user.content) : '';
}

/** A string, or the text blocks of a content array (both protocols allow either). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block: { type?: string; text?: unknown }) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
}

function openAiChunk(request: FakeRequest, delta: Record<string, unknown>, finishReason: string | null): string {
  const chunk = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
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

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function openAiErrorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests';
  if (status === 401) return 'Incorrect API key provided';
  if (status >= 500) return 'The server had an error while processing your request';
  return 'Invalid request';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
