import type { ProviderDefinition } from '../provider-settings';
import { ProviderError, safeReason } from '../provider-error';
import { postToProvider } from './http-call';
import type { Completion, CompletionRequest, ProviderClient } from './provider-client';

interface GenerateContentChunk {
  candidates?: Array<{ content?: { parts?: Array<{ text?: unknown; thought?: unknown }> }; finishReason?: string }>;
  error?: { code?: number; message?: string; status?: string };
}

/**
 * The path of a model's method on Gemini's API: `/v1beta/models/{model}:{method}`. Each segment of
 * the model is escaped, and a model with an empty, `.` or `..` segment is refused (a request error):
 * URLs resolve those (escaped or not), which would take the call, with the key, out of `models/`.
 */
export function geminiModelPath(model: string, method: 'generateContent' | 'streamGenerateContent'): string {
  const segments = model.split('/');
  if (segments.some((segment) => segment === '' || /^(\.|%2e){1,2}$/i.test(segment))) {
    throw new ProviderError('request', `"${model}" is not a Gemini model name`, { status: 400, reason: `"${model}" is not a Gemini model name` });
  }
  return `/v1beta/models/${segments.map(encodeURIComponent).join('/')}:${method}`;
}

/**
 * Google's Gemini API (`POST {base}/v1beta/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` streamed), the key sent as `x-goog-api-key`.
 */
export class GeminiClient implements ProviderClient {
  constructor(private readonly provider: ProviderDefinition) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const { provider } = this;
    const path = geminiModelPath(request.model, provider.stream ? 'streamGenerateContent' : 'generateContent');
    const text = await postToProvider(
      provider,
      {
        url: `${provider.baseUrl}${path}${provider.stream ? '?alt=sse' : ''}`,
        headers: {
          ...(provider.apiKey ? { 'x-goog-api-key': provider.apiKey } : {}),
          ...(provider.stream ? { accept: 'text/event-stream' } : {}),
        },
        body: {
          contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
          ...(request.system ? { systemInstruction: { parts: [{ text: request.system }] } } : {}),
          generationConfig: { maxOutputTokens: provider.maxTokens },
        },
      },
      request,
      {
        json: (body) => {
          const chunk = body as GenerateContentChunk;
          if (!Array.isArray(chunk.candidates)) throw new ProviderError('bad_response', `${provider.key}: the answer has no candidates`);
          return textOf(chunk);
        },
        event: (event, emit) => {
          const chunk = parseChunk(provider, event.data);
          if (chunk.error) {
            const reason = safeReason(chunk.error.message ?? chunk.error.status ?? 'stream error', [provider.apiKey]);
            throw new ProviderError(chunk.error.code === 429 ? 'rate_limit' : 'server', `${provider.key}: error in the stream: ${reason}`);
          }
          const text = textOf(chunk);
          if (text) emit(text);
          // The stream has no closing event: the chunk with a finish reason is the last one.
          return Boolean(chunk.candidates?.[0]?.finishReason);
        },
      },
    );
    return { text };
  }
}

/** The answer's text: the first candidate's text parts, without its thoughts. */
function textOf(chunk: GenerateContentChunk): string {
  const parts = chunk.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : '')).join('');
}

function parseChunk(provider: ProviderDefinition, data: string): GenerateContentChunk {
  try {
    return JSON.parse(data) as GenerateContentChunk;
  } catch {
    throw new ProviderError('bad_response', `${provider.key}: a streamed chunk is not JSON`);
  }
}
