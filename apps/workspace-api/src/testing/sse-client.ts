export interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

/**
 * A minimal EventSource over fetch: records every event of one SSE response, parsed. Tests read
 * `events`, wait for one with `waitFor`, and learn the stream ended through `ended`.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  headers: Headers | null = null;
  readonly ended: Promise<void>;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private done = false;

  private constructor(private readonly url: string, private readonly requestHeaders: Record<string, string>) {
    this.ended = this.read();
  }

  static async open(url: string, options: { session?: string; lastEventId?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...(options.headers ?? {}) };
    if (options.session) headers['cookie'] = `oz_session=${options.session}`;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const client = new SseClient(url, headers);
    // Opened means the first heartbeat arrived (or the server refused).
    await client.waitFor((e) => e.event === 'heartbeat', 10_000).catch((error) => {
      if (!client.done) throw error;
    });
    return client;
  }

  /** Events other than heartbeats. */
  get received(): SseEvent[] {
    return this.events.filter((e) => e.event !== 'heartbeat');
  }

  of(type: string): SseEvent[] {
    return this.events.filter((e) => e.event === type);
  }

  get lastId(): string | null {
    return this.events.length ? this.events[this.events.length - 1].id : null;
  }

  async waitFor(predicate: (event: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.done || Date.now() > deadline) {
        throw new Error(`no matching event ${this.done ? 'before the stream ended' : `within ${timeoutMs} ms`}; got: ${this.received.map((e) => `${e.event} ${JSON.stringify(e.data).slice(0, 120)}`).join(' | ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  close(): void {
    this.controller.abort();
  }

  private async read(): Promise<void> {
    try {
      const response = await fetch(this.url, { headers: this.requestHeaders, signal: this.controller.signal });
      this.status = response.status;
      this.headers = response.headers;
      if (!response.ok || !response.body) {
        this.events.push({ id: null, event: 'http_error', data: await response.text() });
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      this.done = true;
      this.notify();
    }
  }

  private parse(frame: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    this.events.push({ id, event, data: parsed });
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
