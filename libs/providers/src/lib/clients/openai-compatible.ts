import type { ProviderDefinition } from '../provider-settings';
import { ProviderError, safeReason } from '../provider-error';
import { postToProvider } from './http-call';
import type { Completion, CompletionRequest, ProviderClient } from './provider-client';

interface ChatChunk {
  choices?: Array<{ delta?: { content?: unknown }; message?: { content?: unknown }; finish_reason?: string | null }>;
  error?: { message?: string; type?: string; code?: string | number };
}

/** `POST {base}/chat/completions`, the protocol of OpenAI and of most gateways and local servers. */
export class OpenAiCompatibleClient implements ProviderClient {
  constructor(private readonly provider: ProviderDefinition) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const { provider } = this;
    const messages = [
      ...(request.system ? [{ role: 'system', content: request.system }] : []),
      { role: 'user', content: request.prompt },
    ];
    const text = await postToProvider(
      provider,
      {
        url: `${provider.baseUrl}/chat/completions`,
        headers: provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {},
        body: { model: request.model, messages, max_tokens: provider.maxTokens, stream: provider.stream },
      },
      request,
      {
        json: (body) => {
          const content = (body as ChatChunk).choices?.[0]?.message?.content;
          if (typeof content !== 'string') throw new ProviderError('bad_response', `${provider.key}: the answer has no message content`);
          return content;
        },
        event: (event, emit) => {
          if (event.data === '[DONE]') return true;
          const chunk = parseChunk(provider, event.data);
          if (chunk.error) {
            const reason = safeReason(chunk.error.message ?? chunk.error.type ?? 'stream error', [provider.apiKey]);
            throw new ProviderError('server', `${provider.key}: error in the stream: ${reason}`);
          }
          const choice = chunk.choices?.[0];
          if (typeof choice?.delta?.content === 'string' && choice.delta.content) emit(choice.delta.content);
          // Some servers end with a finish_reason and never send [DONE]; either marks a complete answer.
          return Boolean(choice?.finish_reason);
        },
      },
    );
    return { text };
  }
}

function parseChunk(provider: ProviderDefinition, data: string): ChatChunk {
  try {
    return JSON.parse(data) as ChatChunk;
  } catch {
    throw new ProviderError('bad_response', `${provider.key}: a streamed chunk is not JSON`);
  }
}
