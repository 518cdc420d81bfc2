import { errorFromResponse, ProviderError, safeReason, type ProviderDefinition } from '@oz/providers';
import { SseSplitter, type RawSseEvent } from './sse-events';
import type { UpstreamRequest, WireFormatSpec } from './wire-formats';

/** A whole (not streamed) answer larger than this is a runaway, not an answer. */
export const MAX_JSON_ANSWER_BYTES = 64 * 1024 * 1024;

/** A provider's answer, taken: either whole (JSON), or a stream whose first event has arrived. */
export type UpstreamAnswer = UpstreamJson | UpstreamStream;

export interface UpstreamJson {
  kind: 'json';
  status: number;
  contentType: string;
  body: Buffer;
  /** The provider's own request id (`request-id`), passed on for the client's error reports. */
  requestId: string | null;
}

/**
 * One call to one provider, with the provider's timeouts (`idleTimeoutMs` before the answer starts and
 * between chunks, `timeoutMs` for all of it) and the caller's cancel signal; redirects are never
 * followed (the request carries the provider's key). Until it returns, every failure is a
 * ProviderError the router classifies (fall back or not): nothing has reached the client yet. A
 * streamed answer is returned once its first event arrived and is not an error event, so a stream
 * that fails at once still falls back.
 */
export async function callUpstream(provider: ProviderDefinition, request: UpstreamRequest, spec: WireFormatSpec, signal: AbortSignal): Promise<UpstreamAnswer> {
  const call = new CallControl(provider, signal);
  let stream: UpstreamStream | undefined;
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body,
      signal: call.signal,
      redirect: 'manual',
    });
    call.alive();
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new ProviderError('server', `${provider.key}: HTTP ${response.status}: the provider redirected the call, and redirects are not followed (they would carry the key elsewhere); check its base URL`, {
        status: response.status,
      });
    }
    if (!response.ok) throw await errorFromResponse(provider, response);
    const contentType = response.headers.get('content-type') ?? 'application/json';
    const requestId = response.headers.get('request-id');
    if (!response.body) throw new ProviderError('bad_response', `${provider.key}: the answer has no body`);
    const reader = response.body.getReader();
    if (!contentType.includes('text/event-stream')) {
      const body = await call.readAll(reader);
      call.finish();
      return { kind: 'json', status: response.status, contentType, body, requestId };
    }
    stream = new UpstreamStream(provider, response.status, contentType, requestId, reader, call, spec);
    await stream.start();
    return stream;
  } catch (error) {
    const failure = call.explain(error, 'before');
    stream?.close();
    call.finish();
    throw failure;
  }
}

/** A streamed answer: its first events, then the rest as they come. */
export class UpstreamStream {
  readonly kind = 'stream';
  /** The events read before the answer was taken (at least one). */
  head: RawSseEvent[] = [];
  private readonly splitter = new SseSplitter();
  private readonly decoder = new TextDecoder();
  private ended = false;

  constructor(
    private readonly provider: ProviderDefinition,
    readonly status: number,
    readonly contentType: string,
    readonly requestId: string | null,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly call: CallControl,
    private readonly spec: WireFormatSpec,
  ) {}

  /** Reads up to the first whole event; an error event there is a failure to fall back from. */
  async start(): Promise<void> {
    while (!this.head.length) {
      const events = await this.read();
      if (events === null) throw new ProviderError('network', `${this.provider.key}: the stream ended before its first event`);
      this.head.push(...events);
    }
    const failure = this.spec.failureOf(this.head[0] as RawSseEvent);
    if (failure) {
      const reason = safeReason(failure.message, [this.provider.apiKey]);
      throw new ProviderError(failure.kind, `${this.provider.key}: error at the start of the stream: ${reason}`, { reason });
    }
  }

  /**
   * The events after the head as they arrive, those of one chunk together (so they can be passed on
   * in one write); throws (a ProviderError) when the stream breaks or times out.
   */
  async *rest(): AsyncGenerator<RawSseEvent[]> {
    try {
      for (;;) {
        const events = await this.read();
        if (events === null) return;
        if (events.length) yield events;
      }
    } catch (error) {
      throw this.call.explain(error, 'during');
    } finally {
      this.close();
    }
  }

  /** Stops the call (the client went away, or it is over). */
  close(): void {
    this.call.finish();
    if (!this.ended) {
      this.ended = true;
      this.reader.cancel().catch(() => undefined);
    }
  }

  /** The next whole events; null at the end of the stream (with what was left of it already given). */
  private async read(): Promise<RawSseEvent[] | null> {
    if (this.ended) return null;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      this.call.finish();
      const rest = this.splitter.end();
      return rest.length ? rest : null;
    }
    this.call.alive();
    return this.splitter.push(this.decoder.decode(value, { stream: true }));
  }
}

/** The timeouts and the cancellation of one call. */
class CallControl {
  private readonly controller = new AbortController();
  private reason: ProviderError | undefined;
  private readonly total: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private readonly onCancel = () => this.abort(new ProviderError('cancelled', `${this.provider.key}: call cancelled`));

  constructor(
    private readonly provider: ProviderDefinition,
    private readonly cancel: AbortSignal,
  ) {
    if (cancel.aborted) this.onCancel();
    cancel.addEventListener('abort', this.onCancel, { once: true });
    this.total = setTimeout(() => this.abort(new ProviderError('timeout', `${provider.key}: no complete answer within ${provider.timeoutMs / 1000} s`)), provider.timeoutMs);
    this.alive();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Traffic: the silence allowed starts again. */
  alive(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.abort(new ProviderError('timeout', `${this.provider.key}: silent for ${this.provider.idleTimeoutMs / 1000} s`)), this.provider.idleTimeoutMs);
  }

  finish(): void {
    clearTimeout(this.total);
    clearTimeout(this.idle);
    this.cancel.removeEventListener('abort', this.onCancel);
  }

  async readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      this.alive();
      size += value.byteLength;
      if (size > MAX_JSON_ANSWER_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new ProviderError('bad_response', `${this.provider.key}: the answer grew past ${MAX_JSON_ANSWER_BYTES} bytes; stopped`);
      }
      chunks.push(value);
    }
  }

  /** Any failure as a ProviderError: why the call was aborted, else a network failure. */
  explain(error: unknown, when: 'before' | 'during'): ProviderError {
    if (this.reason) return this.reason;
    if (error instanceof ProviderError) return error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
    return new ProviderError(
      'network',
      when === 'during' ? `${this.provider.key}: the connection broke during the answer (${reason})` : `${this.provider.key}: cannot reach the provider (${reason})`,
    );
  }

  private abort(reason: ProviderError): void {
    this.reason ??= reason;
    this.controller.abort(reason);
  }
}

