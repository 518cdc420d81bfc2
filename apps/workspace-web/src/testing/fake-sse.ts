import type { SseConnection, SseTransport } from '../app/core/events/event-stream';

/** One request the fake transport received, with controls to answer it. */
export interface FakeConnection {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Sends SSE text to the client. */
  send(text: string): void;
  /** Ends the response normally (the server closed the stream). */
  end(): void;
  /** Fails the response (a network error). */
  fail(error?: Error): void;
}

/**
 * An SSE transport under the test's control: each request the client makes is recorded and answered
 * with `status` (200 unless the test queues another), its body fed chunk by chunk.
 */
export class FakeSseTransport {
  readonly connections: FakeConnection[] = [];
  private readonly statuses: number[] = [];
  private readonly waiters: (() => void)[] = [];

  /** The next requests answer these statuses, in order. */
  answerWith(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  readonly transport: SseTransport = (url, init) => {
    const status = this.statuses.shift() ?? 200;
    const queue: string[] = [];
    let ended = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const poke = () => {
      wake?.();
      wake = null;
    };
    init.signal.addEventListener('abort', () => {
      failure ??= new Error('aborted');
      poke();
    });
    async function* chunks(): AsyncIterable<string> {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    const connection: FakeConnection = {
      url,
      headers: init.headers,
      signal: init.signal,
      send: (text) => {
        queue.push(text);
        poke();
      },
      end: () => {
        ended = true;
        poke();
      },
      fail: (error = new Error('network down')) => {
        failure = error;
        poke();
      },
    };
    this.connections.push(connection);
    this.waiters.splice(0).forEach((w) => w());
    return Promise.resolve({ status, chunks: chunks() } satisfies SseConnection);
  };

  /** Resolves once `count` requests were made. */
  async waitForConnections(count: number, timeoutMs = 2_000): Promise<FakeConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} connections, got ${this.connections.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.connections[count - 1];
  }
}

export function frame(id: string, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 2_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
