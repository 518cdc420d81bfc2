import type { ProviderDefinition } from '../provider-settings';
import { ProviderError, safeReason, type ProviderFailureKind } from '../provider-error';
import { postToProvider } from './http-call';
import type { Completion, CompletionRequest, ProviderClient } from './provider-client';

export const ANTHROPIC_VERSION = '2023-06-01';

interface MessageEvent {
  type?: string;
  content?: Array<{ type?: string; text?: unknown }>;
  delta?: { type?: string; text?: unknown };
  error?: { type?: string; message?: string };
}

/** Anthropic's error types, as the stream's `error` event carries them, mapped like HTTP statuses. */
const STREAM_ERROR_KINDS: Readonly<Record<string, ProviderFailureKind>> = {
  rate_limit_error: 'rate_limit',
  overloaded_error: 'server',
  api_error: 'server',
  authentication_error: 'auth',
  permission_error: 'auth',
};

/** `POST {base}/v1/messages`, Anthropic's Messages API. */
export class AnthropicClient implements ProviderClient {
  constructor(private readonly provider: ProviderDefinition) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const { provider } = this;
    const text = await postToProvider(
      provider,
      {
        url: `${provider.baseUrl}/v1/messages`,
        headers: {
          'anthropic-version': ANTHROPIC_VERSION,
          ...(provider.apiKey ? { 'x-api-key': provider.apiKey } : {}),
          ...(provider.stream ? { accept: 'text/event-stream' } : {}),
        },
        body: {
          model: request.model,
          max_tokens: provider.maxTokens,
          messages: [{ role: 'user', content: request.prompt }],
          ...(request.system ? { system: request.system } : {}),
          stream: provider.stream,
        },
      },
      request,
      {
        json: (body) => {
          const blocks = (body as MessageEvent).content;
          if (!Array.isArray(blocks)) throw new ProviderError('bad_response', `${provider.key}: the answer has no content`);
          return blocks.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
        },
        event: (event, emit) => {
          const message = parseEvent(provider, event.data);
          switch (message.type ?? event.event) {
            case 'content_block_delta':
              if (message.delta?.type === 'text_delta' && typeof message.delta.text === 'string') emit(message.delta.text);
              return false;
            case 'message_stop':
              return true;
            case 'error': {
              // Mid-stream errors (overloaded, rate limited) arrive as an event after a 200: the
              // partial answer is not an answer.
              const type = message.error?.type ?? 'api_error';
              const reason = safeReason(message.error?.message ?? type, [provider.apiKey]);
              throw new ProviderError(STREAM_ERROR_KINDS[type] ?? 'request', `${provider.key}: error in the stream: ${reason}`);
            }
            default:
              return false;
          }
        },
      },
    );
    return { text };
  }
}

function parseEvent(provider: ProviderDefinition, data: string): MessageEvent {
  try {
    return JSON.parse(data) as MessageEvent;
  } catch {
    throw new ProviderError('bad_response', `${provider.key}: a streamed event is not JSON`);
  }
}
