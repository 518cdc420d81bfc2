import { Logger } from '@nestjs/common';
import type { ServerToWorkerMessage, WorkerToServerMessage } from '@oz/contract';
import { WebSocket } from 'ws';
import type { WorkerConfig } from '../config/worker.config';

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
const PING_EVERY_MS = 30_000;
const SILENCE_LIMIT_MS = 60_000;
/** Messages kept while disconnected; they go out on the next connection, in order. */
const MAX_QUEUED = 1_000;

/** The reconnect circuit breaker tripped: the worker should exit non-zero. */
export class ReconnectLimitError extends Error {}

/**
 * The worker's channel to the control plane, kept open: reconnects with exponential backoff (1 s to
 * 60 s; at once after an established connection drops, as the official worker does), pings every
 * 30 s and drops a connection silent for 60 s. Messages sent while disconnected are queued. With
 * OZ_RECONNECT_MAX_ATTEMPTS, too many failed attempts (within OZ_RECONNECT_WINDOW_SECONDS, if set)
 * end it with a ReconnectLimitError.
 */
export class ControlPlaneConnection {
  private readonly logger = new Logger('connection');
  private socket: WebSocket | null = null;
  private readonly queue: string[] = [];
  private failures: number[] = [];
  private delayMs = FIRST_DELAY_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private onFatal: (error: Error) => void = () => undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly onMessage: (message: ServerToWorkerMessage) => void,
  ) {}

  start(onFatal: (error: Error) => void): void {
    this.onFatal = onFatal;
    this.dial();
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message: WorkerToServerMessage): void {
    const text = JSON.stringify(message);
    if (this.connected && this.queue.length === 0) {
      this.socket?.send(text);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(text);
  }

  /** Sends what is queued, then closes (1000). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    this.flush();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'worker stopping');
      setTimeout(resolve, 2_000).unref();
    });
  }

  private dial(): void {
    if (this.closed) return;
    const url = new URL(this.config.controlPlaneUrl);
    url.searchParams.set('worker_id', this.config.workerId);
    url.searchParams.set('max_concurrent_tasks', String(this.config.maxConcurrentTasks));
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.config.apiKey}` }, handshakeTimeout: 45_000 });
    let opened = false;
    let lastHeard = Date.now();
    let pinger: NodeJS.Timeout | undefined;

    socket.on('open', () => {
      opened = true;
      this.socket = socket;
      this.delayMs = FIRST_DELAY_MS;
      this.failures = [];
      this.logger.log({ url: url.origin }, 'connected');
      this.flush();
      pinger = setInterval(() => {
        if (Date.now() - lastHeard > SILENCE_LIMIT_MS) socket.terminate();
        else socket.ping();
      }, PING_EVERY_MS);
    });
    socket.on('pong', () => (lastHeard = Date.now()));
    socket.on('ping', () => (lastHeard = Date.now()));
    socket.on('message', (raw) => {
      lastHeard = Date.now();
      try {
        this.onMessage(JSON.parse(raw.toString()) as ServerToWorkerMessage);
      } catch (error) {
        this.logger.warn({ err: error }, 'bad_message');
      }
    });
    socket.on('unexpected-response', (_request, response) => {
      this.logger.error({ status: response.statusCode }, response.statusCode === 401 || response.statusCode === 403 ? 'refused: check --api-key' : 'refused');
      socket.terminate();
    });
    socket.on('error', (error) => this.logger.warn({ err: error.message }, 'connection_error'));
    socket.on('close', () => {
      clearInterval(pinger);
      if (this.socket === socket) this.socket = null;
      if (this.closed) return;
      if (opened) {
        this.logger.warn('disconnected; reconnecting');
        this.dial();
        return;
      }
      this.retryLater();
    });
  }

  private retryLater(): void {
    const now = Date.now();
    this.failures.push(now);
    const { maxAttempts, windowMs } = this.config.reconnect;
    if (windowMs > 0) this.failures = this.failures.filter((time) => now - time <= windowMs);
    if (maxAttempts > 0 && this.failures.length >= maxAttempts) {
      const within = windowMs > 0 ? ` within ${windowMs / 1000} s` : '';
      this.closed = true;
      this.onFatal(
        new ReconnectLimitError(
          `Could not connect to the control plane at ${this.config.controlPlaneUrl}: ${this.failures.length} failed attempts${within} ` +
            `(OZ_RECONNECT_MAX_ATTEMPTS=${maxAttempts}). Check that it runs and that --api-key is right.`,
        ),
      );
      return;
    }
    this.timer = setTimeout(() => this.dial(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
  }

  private flush(): void {
    while (this.queue.length && this.connected) this.socket?.send(this.queue.shift() as string);
  }
}
