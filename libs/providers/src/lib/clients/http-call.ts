import type { ProviderDefinition } from '../provider-settings';
import { ProviderError, failureKindForStatus, parseRetryAfter, safeReason } from '../provider-error';
import type { CompletionRequest } from './provider-client';
import { readSseEvents, type SseEvent } from './sse';

/** Error bodies are read only this far: a reason is a sentence, not a page. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;
/** An answer longer than this is a runaway, not an answer (the same cap as a CLI's output). */
const MAX_ANSWER_CHARS = 10 * 1024 * 1024;

export interface HttpCall {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** What a protocol does with a successful response: read it whole, or event by event. */
export interface ResponseReader {
  json(body: unknown): string;
  /** Called per SSE event; returns true once the stream has properly ended. */
  event(event: SseEvent, emit: (text: string) => void): boolean;
}

/**
 * POSTs a provider request with the provider's timeouts and the caller's cancel signal, turning every
 * way it can go wrong into a ProviderError. `idleTimeoutMs` bounds the wait for the response to start
 * and every silence within a stream; `timeoutMs` bounds the whole call.
 */
export async function postToProvider(
  provider: ProviderDefinition,
  call: HttpCall,
  request: CompletionRequest,
  reader: ResponseReader,
): Promise<string> {
  const controller = new AbortController();
  let abortReason: ProviderError | undefined;
  const abort = (reason: ProviderError) => {
    abortReason ??= reason;
    controller.abort(reason);
  };
  const onCancel = () => abort(new ProviderError('cancelled', `${provider.key}: call cancelled`));
  if (request.signal.aborted) onCancel();
  request.signal.addEventListener('abort', onCancel, { once: true });
  const total = setTimeout(
    () => abort(new ProviderError('timeout', `${provider.key}: no complete answer within ${seconds(provider.timeoutMs)}`)),
    provider.timeoutMs,
  );
  let idle: NodeJS.Timeout | undefined;
  const stillAlive = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => abort(new ProviderError('timeout', `${provider.key}: silent for ${seconds(provider.idleTimeoutMs)}`)),
      provider.idleTimeoutMs,
    );
  };

  let answering = false;
  try {
    stillAlive();
    const response = await fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal: controller.signal,
      // Never followed: the request carries the provider's key, and a redirect would hand it (and the
      // prompt) to whatever address the answer names.
      redirect: 'manual',
    });
    stillAlive();
    answering = true;
    if (response.status >= 300 && response.status < 400) throw await redirectError(provider, response);
    if (!response.ok) throw await errorFromResponse(provider, response);

    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || !response.body) {
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ProviderError('bad_response', `${provider.key}: the answer is not JSON`);
      }
      const answer = reader.json(parsed);
      request.onDelta?.(answer);
      return answer;
    }

    let answer = '';
    const emit = (text: string) => {
      if (answer.length + text.length > MAX_ANSWER_CHARS) {
        throw new ProviderError('bad_response', `${provider.key}: the answer grew past ${MAX_ANSWER_CHARS} characters; stopped`);
      }
      answer += text;
      request.onDelta?.(text);
    };
    for await (const event of readSseEvents(response.body, stillAlive)) {
      if (reader.event(event, emit)) return answer;
    }
    throw new ProviderError('network', `${provider.key}: the stream ended before the answer was complete`);
  } catch (error) {
    if (abortReason) throw abortReason;
    if (error instanceof ProviderError) throw error;
    const reason = networkReason(error);
    throw new ProviderError(
      'network',
      answering ? `${provider.key}: the connection broke during the answer (${reason})` : `${provider.key}: cannot reach the provider (${reason})`,
    );
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
    request.signal.removeEventListener('abort', onCancel);
    // Leaving the `for await` early (an error event, a thrown reader) cancels the body, which closes
    // the connection: nothing is left behind.
  }
}

/**
 * A provider's error answer as a ProviderError: its kind from the status, its reason from the first
 * 16 KiB of the body (a provider may send megabytes, or never end) with the key scrubbed, Retry-After.
 */
export async function errorFromResponse(provider: ProviderDefinition, response: Response): Promise<ProviderError> {
  const body = await readCapped(response, MAX_ERROR_BODY_BYTES);
  const reason = safeReason(providerMessage(body) || response.statusText || 'no reason given', [provider.apiKey]);
  return new ProviderError(failureKindForStatus(response.status), `${provider.key}: HTTP ${response.status}: ${reason}`, {
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers),
    reason,
  });
}

/**
 * A 3xx: the provider (or something in front of it) sends the call elsewhere. Treated as the
 * provider's trouble (another provider may answer), and the target is not named: a Location may
 * carry tokens of its own.
 */
async function redirectError(provider: ProviderDefinition, response: Response): Promise<ProviderError> {
  await response.body?.cancel().catch(() => undefined);
  return new ProviderError(
    'server',
    `${provider.key}: HTTP ${response.status}: the provider redirected the call, and redirects are not followed (they would carry the key elsewhere); check its base URL`,
    { status: response.status },
  );
}

/** `{"error":{"message":…}}` (OpenAI and Anthropic alike), `{"error":"…"}` or `{"message":…}`. */
export function providerMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself is the reason
  }
  return body.trim().slice(0, 300);
}

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= limit) break;
    }
  } catch {
    // a cut error body still tells us the status
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/** The most specific thing fetch says: a system or undici error code, else a message. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
