import { ANTHROPIC_VERSION, geminiModelPath, type ProviderDefinition, type ProviderFailureKind, type ProviderType } from '@oz/providers';
import type { IncomingHttpHeaders } from 'node:http';
import type { RawSseEvent } from './sse-events';

/** The wire formats the gateway serves, each passed through only to providers that speak it. */
export type WireFormat = 'anthropic_messages' | 'openai_chat' | 'openai_responses' | 'gemini';

/** Tokens as a provider counted them: the latest figure seen of each (stream figures are cumulative). */
export interface TokenUsage {
  input: number | null;
  output: number | null;
}

/** An error event at the very start of a stream: the provider's trouble, told before anything was passed on. */
export interface StreamFailure {
  kind: ProviderFailureKind;
  message: string;
}

/** What a client's request asks, once read. */
export interface ClientCall {
  format: WireFormat;
  /** The model the client named (Gemini: in the path). */
  model: string;
  stream: boolean;
  /** The JSON body as the client sent it. */
  body: Record<string, unknown>;
  /** Gemini: `generateContent` or `streamGenerateContent`. */
  method?: 'generateContent' | 'streamGenerateContent';
  /** Query parameters to pass on (Anthropic's `beta`, Gemini's `alt`). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

/** The request to one provider: where, with which headers (its key added here) and which body. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** A usage chunk was asked for on the client's behalf (OpenAI chat): it is read, and not passed on. */
  dropUsageChunk: boolean;
}

export interface WireFormatSpec {
  /** What the README and error messages call it. */
  label: string;
  providerTypes: readonly ProviderType[];
  /** The variable that makes a provider speak it, for messages naming what to configure. */
  configureHint: string;
  upstream(provider: ProviderDefinition, model: string, call: ClientCall): UpstreamRequest;
  /** An error in the caller's own format. */
  errorBody(status: number, message: string): unknown;
  usageOfJson(body: unknown): TokenUsage;
  /** Updates `usage` from one event. */
  readEvent(event: RawSseEvent, usage: TokenUsage): void;
  /** An error event (a failed stream), in the provider's words. */
  failureOf(event: RawSseEvent): StreamFailure | null;
  /** The event the stream properly ends with (for the call's bookkeeping). */
  ends(event: RawSseEvent): boolean;
  /** The error event to send the client when its stream breaks after it began. */
  streamErrorEvent(message: string): string;
}

/** Client headers passed on, per format (everything else stays here: auth, cookies, hop-by-hop, tracing). */
const PASSED_HEADERS: Record<WireFormat, readonly string[]> = {
  anthropic_messages: ['anthropic-version', 'anthropic-beta', 'user-agent', 'x-app'],
  openai_chat: ['openai-beta', 'user-agent'],
  openai_responses: ['openai-beta', 'user-agent'],
  gemini: ['user-agent', 'x-goog-api-client'],
};

function passedHeaders(format: WireFormat, headers: IncomingHttpHeaders): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_HEADERS[format]) {
    const value = headers[name];
    if (typeof value === 'string' && value) passed[name] = value;
  }
  return passed;
}

function withModel(body: Record<string, unknown>, model: string): Record<string, unknown> {
  return { ...body, model };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

function sum(...values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

function parseData(event: RawSseEvent): Record<string, unknown> | undefined {
  if (!event.data || event.data === '[DONE]') return undefined;
  try {
    return record(JSON.parse(event.data));
  } catch {
    return undefined;
  }
}

function setUsage(usage: TokenUsage, next: TokenUsage): void {
  if (next.input !== null) usage.input = next.input;
  if (next.output !== null) usage.output = next.output;
}

const sseEvent = (event: string | null, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Anthropic's stream error types, classified like the statuses they stand for. */
const ANTHROPIC_STREAM_FAILURES: Record<string, ProviderFailureKind> = {
  rate_limit_error: 'rate_limit',
  overloaded_error: 'server',
  api_error: 'server',
  authentication_error: 'auth',
  permission_error: 'auth',
};

/** Input tokens, cache writes and reads included: together what the prompt cost. */
function anthropicUsage(value: unknown): TokenUsage {
  const usage = record(value);
  if (!usage) return { input: null, output: null };
  return {
    input: sum(count(usage['input_tokens']), count(usage['cache_creation_input_tokens']), count(usage['cache_read_input_tokens'])),
    output: count(usage['output_tokens']),
  };
}

const anthropicMessages: WireFormatSpec = {
  label: 'Anthropic Messages',
  providerTypes: ['anthropic'],
  configureHint: 'an anthropic provider (OZ_PROVIDER_<KEY>_TYPE=anthropic) for this model',
  upstream: (provider, model, call) => {
    const beta = call.query['beta'] === 'true' ? '?beta=true' : '';
    return {
      url: `${provider.baseUrl}/v1/messages${beta}`,
      headers: {
        'anthropic-version': ANTHROPIC_VERSION,
        ...passedHeaders('anthropic_messages', call.headers),
        ...(provider.apiKey ? { 'x-api-key': provider.apiKey } : {}),
        ...(call.stream ? { accept: 'text/event-stream' } : { accept: 'application/json' }),
      },
      body: JSON.stringify(withModel(call.body, model)),
      dropUsageChunk: false,
    };
  },
  errorBody: (status, message) => ({
    type: 'error',
    error: { type: ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message },
  }),
  usageOfJson: (body) => anthropicUsage(record(body)?.['usage']),
  readEvent: (event, usage) => {
    const data = parseData(event);
    if (!data) return;
    if (data['type'] === 'message_start') setUsage(usage, anthropicUsage(record(data['message'])?.['usage']));
    else if (data['type'] === 'message_delta') setUsage(usage, anthropicUsage(data['usage']));
  },
  failureOf: (event) => {
    const data = parseData(event);
    if (event.event !== 'error' && data?.['type'] !== 'error') return null;
    const error = record(data?.['error']);
    const type = typeof error?.['type'] === 'string' ? error['type'] : 'api_error';
    return { kind: ANTHROPIC_STREAM_FAILURES[type] ?? 'request', message: typeof error?.['message'] === 'string' ? error['message'] : type };
  },
  ends: (event) => event.event === 'message_stop' || parseData(event)?.['type'] === 'message_stop',
  streamErrorEvent: (message) => sseEvent('error', { type: 'error', error: { type: 'api_error', message } }),
};

// ---------------------------------------------------------------------------------------------
// OpenAI chat completions and Responses

function openAiErrorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function openAiErrorBody(status: number, message: string): unknown {
  return { error: { message, type: openAiErrorType(status), param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

function openAiChatUsage(value: unknown): TokenUsage {
  const usage = record(value);
  return usage ? { input: count(usage['prompt_tokens']), output: count(usage['completion_tokens']) } : { input: null, output: null };
}

const openAiChat: WireFormatSpec = {
  label: 'OpenAI chat completions',
  providerTypes: ['openai_compatible'],
  configureHint: 'an openai_compatible provider (OZ_PROVIDER_<KEY>_TYPE=openai_compatible) for this model',
  upstream: (provider, model, call) => {
    const options = record(call.body['stream_options']);
    // Streamed answers carry their usage only when asked; the gateway asks, reads it, and passes the
    // usage chunk on only to a client that asked itself.
    const askUsage = call.stream && options?.['include_usage'] !== true;
    const body = askUsage ? { ...withModel(call.body, model), stream_options: { ...options, include_usage: true } } : withModel(call.body, model);
    return {
      url: `${provider.baseUrl}/chat/completions`,
      headers: {
        ...passedHeaders('openai_chat', call.headers),
        ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
        accept: call.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
      dropUsageChunk: askUsage,
    };
  },
  errorBody: openAiErrorBody,
  usageOfJson: (body) => openAiChatUsage(record(body)?.['usage']),
  readEvent: (event, usage) => {
    const data = parseData(event);
    if (data?.['usage']) setUsage(usage, openAiChatUsage(data['usage']));
  },
  failureOf: (event) => {
    const error = record(parseData(event)?.['error']);
    if (!error) return null;
    return { kind: 'server', message: typeof error['message'] === 'string' ? error['message'] : 'error in the stream' };
  },
  ends: (event) => event.data === '[DONE]',
  streamErrorEvent: (message) => sseEvent(null, { error: { message, type: 'server_error', param: null, code: null } }),
};

/** The usage chunk the gateway asked for itself: no choices, only usage. */
export function isUsageOnlyChunk(event: RawSseEvent): boolean {
  const data = parseData(event);
  return Boolean(data && Array.isArray(data['choices']) && data['choices'].length === 0 && data['usage']);
}

function responsesUsage(value: unknown): TokenUsage {
  const usage = record(value);
  return usage ? { input: count(usage['input_tokens']), output: count(usage['output_tokens']) } : { input: null, output: null };
}

const RESPONSE_ENDS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

const openAiResponses: WireFormatSpec = {
  label: 'OpenAI Responses',
  providerTypes: ['openai_compatible'],
  configureHint: 'an openai_compatible provider that speaks the Responses API (POST {base}/responses) for this model',
  upstream: (provider, model, call) => ({
    url: `${provider.baseUrl}/responses`,
    headers: {
      ...passedHeaders('openai_responses', call.headers),
      ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
      accept: call.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(withModel(call.body, model)),
    dropUsageChunk: false,
  }),
  errorBody: openAiErrorBody,
  usageOfJson: (body) => responsesUsage(record(body)?.['usage']),
  readEvent: (event, usage) => {
    const data = parseData(event);
    const type = data?.['type'];
    if (typeof type === 'string' && RESPONSE_ENDS.has(type)) setUsage(usage, responsesUsage(record(data?.['response'])?.['usage']));
  },
  failureOf: (event) => {
    const data = parseData(event);
    if (event.event !== 'error' && data?.['type'] !== 'error') return null;
    return { kind: 'server', message: typeof data?.['message'] === 'string' ? data['message'] : 'error in the stream' };
  },
  ends: (event) => {
    const type = parseData(event)?.['type'];
    return typeof type === 'string' && RESPONSE_ENDS.has(type);
  },
  streamErrorEvent: (message) => sseEvent('error', { type: 'error', code: 'server_error', message, param: null }),
};

// ---------------------------------------------------------------------------------------------
// Gemini

const GEMINI_STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
};

/** Output counts the model's thoughts too: they are billed as output. */
function geminiUsage(value: unknown): TokenUsage {
  const usage = record(value);
  if (!usage) return { input: null, output: null };
  return { input: count(usage['promptTokenCount']), output: sum(count(usage['candidatesTokenCount']), count(usage['thoughtsTokenCount'])) };
}

const gemini: WireFormatSpec = {
  label: 'Gemini generateContent',
  providerTypes: ['gemini'],
  configureHint: 'a gemini provider (OZ_PROVIDER_<KEY>_TYPE=gemini) for this model',
  upstream: (provider, model, call) => {
    const alt = call.query['alt'] ? `?alt=${encodeURIComponent(call.query['alt'])}` : '';
    return {
      url: `${provider.baseUrl}${geminiModelPath(model, call.method ?? 'generateContent')}${alt}`,
      headers: {
        ...passedHeaders('gemini', call.headers),
        ...(provider.apiKey ? { 'x-goog-api-key': provider.apiKey } : {}),
        accept: call.query['alt'] === 'sse' ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(call.body),
      dropUsageChunk: false,
    };
  },
  errorBody: (status, message) => ({ error: { code: status, message, status: GEMINI_STATUSES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT') } }),
  // A streamed answer without alt=sse is a JSON array of chunks; the last holds the totals.
  usageOfJson: (body) => geminiUsage(record(Array.isArray(body) ? body.at(-1) : body)?.['usageMetadata']),
  readEvent: (event, usage) => {
    const data = parseData(event);
    if (data?.['usageMetadata']) setUsage(usage, geminiUsage(data['usageMetadata']));
  },
  failureOf: (event) => {
    const error = record(parseData(event)?.['error']);
    if (!error) return null;
    return { kind: error['code'] === 429 ? 'rate_limit' : 'server', message: typeof error['message'] === 'string' ? error['message'] : 'error in the stream' };
  },
  ends: (event) => {
    const candidates = parseData(event)?.['candidates'];
    return Array.isArray(candidates) && Boolean(record(candidates[0])?.['finishReason']);
  },
  streamErrorEvent: (message) => sseEvent(null, { error: { code: 502, message, status: 'UNAVAILABLE' } }),
};

export const WIRE_FORMATS: Readonly<Record<WireFormat, WireFormatSpec>> = {
  anthropic_messages: anthropicMessages,
  openai_chat: openAiChat,
  openai_responses: openAiResponses,
  gemini,
};
