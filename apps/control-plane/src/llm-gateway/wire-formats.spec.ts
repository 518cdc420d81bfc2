import { loadProviderSettings, type ProviderDefinition } from '@oz/providers';
import type { RawSseEvent } from './sse-events';
import { isUsageOnlyChunk, WIRE_FORMATS, type ClientCall, type TokenUsage } from './wire-formats';

const event = (data: unknown, name = ''): RawSseEvent => ({ raw: '', event: name, data: typeof data === 'string' ? data : JSON.stringify(data) });

function usageOf(format: keyof typeof WIRE_FORMATS, events: RawSseEvent[]): TokenUsage {
  const usage: TokenUsage = { input: null, output: null };
  for (const e of events) WIRE_FORMATS[format].readEvent(e, usage);
  return usage;
}

function provider(type: string, extra: Record<string, string> = {}): ProviderDefinition {
  const settings = loadProviderSettings({
    OZ_PROVIDER_P_TYPE: type,
    OZ_PROVIDER_P_MODEL: 'server-model',
    OZ_PROVIDER_P_BASE_URL: 'https://llm.example.com/v1',
    OZ_PROVIDER_P_API_KEY: 'server-key',
    ...extra,
  });
  return settings.providers.get('p') as ProviderDefinition;
}

const call = (format: ClientCall['format'], body: Record<string, unknown>, extra: Partial<ClientCall> = {}): ClientCall => ({
  format,
  model: 'client-model',
  stream: body['stream'] === true,
  body,
  query: {},
  headers: { 'x-api-key': 'oz_task_secret', authorization: 'Bearer oz_task_secret', 'anthropic-beta': 'a,b', 'anthropic-version': '2023-01-01', cookie: 'c=1' },
  ...extra,
});

describe('the wire formats', () => {
  describe('the request to the provider', () => {
    it('Anthropic: the provider’s key and model, the client’s betas and version, never the task token', () => {
      const upstream = WIRE_FORMATS.anthropic_messages.upstream(provider('anthropic'), 'server-model', call('anthropic_messages', { model: 'x', stream: true, thinking: { type: 'adaptive' } }, { query: { beta: 'true' } }));
      expect(upstream.url).toBe('https://llm.example.com/v1/v1/messages?beta=true');
      expect(upstream.headers).toEqual({ 'anthropic-version': '2023-01-01', 'anthropic-beta': 'a,b', 'x-api-key': 'server-key', accept: 'text/event-stream' });
      expect(JSON.parse(upstream.body)).toEqual({ model: 'server-model', stream: true, thinking: { type: 'adaptive' } });
    });

    it('OpenAI chat: asks for the usage of a stream unless the client did, and says it did', () => {
      const asked = WIRE_FORMATS.openai_chat.upstream(provider('openai_compatible'), 'm', call('openai_chat', { stream: true, stream_options: { include_usage: true } }));
      expect(asked.dropUsageChunk).toBe(false);
      const added = WIRE_FORMATS.openai_chat.upstream(provider('openai_compatible'), 'm', call('openai_chat', { stream: true }));
      expect(added).toMatchObject({ url: 'https://llm.example.com/v1/chat/completions', dropUsageChunk: true, headers: { authorization: 'Bearer server-key' } });
      expect(JSON.parse(added.body)).toEqual({ model: 'm', stream: true, stream_options: { include_usage: true } });
      const whole = WIRE_FORMATS.openai_chat.upstream(provider('openai_compatible'), 'm', call('openai_chat', {}));
      expect(JSON.parse(whole.body)).toEqual({ model: 'm' });
    });

    it('Responses: {base}/responses; Gemini: the model in the path, escaped, and the key as x-goog-api-key', () => {
      expect(WIRE_FORMATS.openai_responses.upstream(provider('openai_compatible'), 'm', call('openai_responses', { input: 'hi' })).url).toBe('https://llm.example.com/v1/responses');
      const gemini = WIRE_FORMATS.gemini.upstream(provider('gemini'), 'tunedModels/my model', call('gemini', { contents: [] }, { method: 'streamGenerateContent', query: { alt: 'sse' } }));
      expect(gemini.url).toBe('https://llm.example.com/v1/v1beta/models/tunedModels/my%20model:streamGenerateContent?alt=sse');
      for (const escape of ['a/../../v1beta/files', 'a/./b', '..', 'a//b', 'a/%2E%2e/b']) {
        expect(() => WIRE_FORMATS.gemini.upstream(provider('gemini'), escape, call('gemini', {}, { method: 'generateContent' }))).toThrow('not a Gemini model name');
      }
      expect(gemini.headers['x-goog-api-key']).toBe('server-key');
      expect(Object.keys(gemini.headers)).not.toContain('authorization');
    });
  });

  describe('usage', () => {
    it('Anthropic: input with cache reads and writes, output from the last message_delta', () => {
      expect(
        usageOf('anthropic_messages', [
          event({ type: 'message_start', message: { usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 1 } } }, 'message_start'),
          event({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'x' } }),
          event({ type: 'message_delta', usage: { output_tokens: 42 } }),
        ]),
      ).toEqual({ input: 1110, output: 42 });
      expect(WIRE_FORMATS.anthropic_messages.usageOfJson({ usage: { input_tokens: 3, output_tokens: 4 } })).toEqual({ input: 3, output: 4 });
    });

    it('OpenAI chat, Responses and Gemini: from the chunks that carry it', () => {
      expect(usageOf('openai_chat', [event({ choices: [{ delta: { content: 'x' } }] }), event({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } }), event('[DONE]')])).toEqual({ input: 5, output: 6 });
      expect(usageOf('openai_responses', [event({ type: 'response.created', response: { usage: null } }), event({ type: 'response.completed', response: { usage: { input_tokens: 7, output_tokens: 8 } } })])).toEqual({ input: 7, output: 8 });
      expect(usageOf('gemini', [event({ candidates: [{}] }), event({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 10, thoughtsTokenCount: 5 } })])).toEqual({ input: 9, output: 15 });
      expect(WIRE_FORMATS.gemini.usageOfJson([{ usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 } }, { usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3 } }])).toEqual({ input: 2, output: 3 });
    });

    it('knows nothing rather than guessing from answers that say nothing', () => {
      expect(usageOf('anthropic_messages', [event('not json'), event({ type: 'ping' })])).toEqual({ input: null, output: null });
    });
  });

  it('tells the usage chunk it asked for from the chunks the client wants', () => {
    expect(isUsageOnlyChunk(event({ choices: [], usage: { prompt_tokens: 1 } }))).toBe(true);
    expect(isUsageOnlyChunk(event({ choices: [{ delta: {} }], usage: { prompt_tokens: 1 } }))).toBe(false);
    expect(isUsageOnlyChunk(event('[DONE]'))).toBe(false);
  });

  it('reads a failed start of a stream as the provider’s trouble of the right kind', () => {
    expect(WIRE_FORMATS.anthropic_messages.failureOf(event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'))).toEqual({ kind: 'server', message: 'Overloaded' });
    expect(WIRE_FORMATS.anthropic_messages.failureOf(event({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, 'error'))?.kind).toBe('rate_limit');
    expect(WIRE_FORMATS.anthropic_messages.failureOf(event({ type: 'message_start' }, 'message_start'))).toBeNull();
    expect(WIRE_FORMATS.gemini.failureOf(event({ error: { code: 429, message: 'quota' } }))?.kind).toBe('rate_limit');
    expect(WIRE_FORMATS.openai_responses.failureOf(event({ type: 'error', message: 'boom' }, 'error'))).toEqual({ kind: 'server', message: 'boom' });
  });

  it('answers errors in each caller’s own format', () => {
    expect(WIRE_FORMATS.anthropic_messages.errorBody(429, 'wait')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'wait' } });
    expect(WIRE_FORMATS.openai_responses.errorBody(401, 'who')).toEqual({ error: { message: 'who', type: 'authentication_error', param: null, code: null } });
    expect(WIRE_FORMATS.gemini.errorBody(404, 'none')).toEqual({ error: { code: 404, message: 'none', status: 'NOT_FOUND' } });
  });
});
