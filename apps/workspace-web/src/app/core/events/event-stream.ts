import { HEARTBEAT_EVENT } from '@oz/workspace-contract';
import { SseParser, type SseFrame } from './sse-parser';

/** An open SSE response: its status and its body as text chunks. */
export interface SseConnection {
  status: number;
  chunks: AsyncIterable<string>;
}

/** Opens an SSE request; tests substitute their own. */
export type SseTransport = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<SseConnection>;

/**
 * SSE over `fetch` rather than `EventSource`: EventSource cannot send `Last-Event-ID` on a
 * reconnection of our own (after a watchdog timeout or going back online), cannot tell a 401 from a
 * network error, and retries forever on its own schedule.
 */
export const fetchSseTransport: SseTransport = async (url, init) => {
  const response = await fetch(url, { headers: init.headers, signal: init.signal, credentials: 'same-origin', cache: 'no-store' });
  return { status: response.status, chunks: response.ok && response.body ? textChunks(response.body) : noChunks() };
};

async function* textChunks(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

async function* noChunks(): AsyncIterable<string> {
  // an error status has no event stream
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';
/** Why a stream closed for good. */
export type StreamEnd = 'stopped' | 'unauthorized' | 'not-found' | 'rejected';

export interface EventStreamOptions {
  url: string;
  transport?: SseTransport;
  /** Every frame but heartbeats, in order. */
  onEvent: (frame: SseFrame) => void;
  onStatus?: (status: StreamStatus, detail: { attempt: number; end?: StreamEnd; error?: string }) => void;
  /** Resume after this event (a stream reopened on a page the store already holds). */
  lastEventId?: string | null;
  /** Delays before reconnecting, by attempt; the last one repeats. Each gets up to 25% jitter. */
  retryDelaysMs?: readonly number[];
  /** Heartbeats come every 15 s; this long without a byte means the connection is dead. */
  idleTimeoutMs?: number;
  random?: () => number;
}

const DEFAULT_RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000, 20_000];
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/**
 * A live SSE stream that survives its connection: it remembers the id of the last frame (heartbeats
 * included, as they carry the current position) and reconnects with `Last-Event-ID`, so the server
 * replays exactly what was missed. It stops for good on 401 (the session ended), 403/404 (the room
 * is gone or not ours) and 400.
 */
export class EventStream {
  private readonly transport: SseTransport;
  private readonly retryDelays: readonly number[];
  private readonly idleTimeoutMs: number;
  private readonly random: () => number;
  private lastId: string | null;
  private stopped = false;
  private started = false;
  private controller: AbortController | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private wake: (() => void) | null = null;
  private skipWait = false;

  constructor(private readonly options: EventStreamOptions) {
    this.transport = options.transport ?? fetchSseTransport;
    this.retryDelays = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
    this.lastId = options.lastEventId ?? null;
  }

  /** The id of the last frame received: where a reconnection resumes. */
  get lastEventId(): string | null {
    return this.lastId;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.controller?.abort();
    this.clearWatchdog();
    this.wake?.();
    this.options.onStatus?.('closed', { attempt: 0, end: 'stopped' });
  }

  /** Drops the current connection (or the wait before the next) and connects again at once. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.skipWait = true;
    this.controller?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const controller = new AbortController();
      this.controller = controller;
      this.options.onStatus?.(attempt === 0 ? 'connecting' : 'reconnecting', { attempt });
      let failure: string | undefined;
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        if (this.lastId) headers['Last-Event-ID'] = this.lastId;
        this.armWatchdog(controller);
        const connection = await this.transport(this.options.url, { headers, signal: controller.signal });
        const end = endFor(connection.status);
        if (end) return this.finish(end, attempt);
        if (connection.status < 200 || connection.status >= 300) throw new Error(`The server answered ${connection.status}`);
        const parser = new SseParser();
        let live = false;
        for await (const chunk of connection.chunks) {
          if (this.stopped || controller.signal.aborted) break;
          this.armWatchdog(controller);
          for (const frame of parser.push(chunk)) {
            if (frame.id) this.lastId = frame.id;
            if (!live) {
              live = true;
              attempt = 0;
              this.options.onStatus?.('live', { attempt });
            }
            if (frame.type !== HEARTBEAT_EVENT) this.options.onEvent(frame);
            if (this.stopped) break;
          }
        }
        failure = 'The live connection ended';
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      } finally {
        this.clearWatchdog();
        this.controller = null;
      }
      if (this.stopped) return;
      attempt++;
      this.options.onStatus?.('reconnecting', { attempt, error: failure });
      if (this.skipWait) this.skipWait = false;
      else await this.pause(this.delayFor(attempt));
    }
  }

  private finish(end: StreamEnd, attempt: number): void {
    this.stopped = true;
    this.clearWatchdog();
    this.options.onStatus?.('closed', { attempt, end });
  }

  private delayFor(attempt: number): number {
    const base = this.retryDelays[Math.min(attempt - 1, this.retryDelays.length - 1)];
    return Math.round(base * (1 + 0.25 * this.random()));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private armWatchdog(controller: AbortController): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => controller.abort(), this.idleTimeoutMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }
}

function endFor(status: number): StreamEnd | null {
  if (status === 401) return 'unauthorized';
  if (status === 403 || status === 404) return 'not-found';
  if (status === 400) return 'rejected';
  return null;
}
