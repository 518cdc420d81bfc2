import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ServerToWorkerMessage, WorkerToServerMessage } from '@oz/contract';
import { WebSocket } from 'ws';
import { WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ReconnectPolicy } from './reconnect-policy';

const PING_EVERY_MS = 30_000;
const SILENCE_LIMIT_MS = 60_000;
const HANDSHAKE_TIMEOUT_MS = 45_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** Messages kept while disconnected; they go out on the next connection, in order. */
const MAX_QUEUED = 1_000;
/** Bytes the socket may hold unsent before `whenWritable` makes log followers wait. */
const WRITABLE_BELOW_BYTES = 1024 * 1024;
const WRITABLE_POLL_MS = 50;

/** The reconnect circuit breaker tripped: the worker should exit non-zero. */
export class ReconnectLimitError extends Error {}

/**
 * The worker's channel to the control plane, kept open from `open()` until application shutdown:
 * reconnects as ReconnectPolicy says (at once after an established connection drops, as the official
 * worker does), pings every 30 s and drops a connection silent for 60 s. Every connection starts with
 * the greeting (our worker's report of its tasks), then what was queued while disconnected. Bulk
 * senders (log followers) wait for `whenWritable`, so a slow or absent control plane holds them back
 * instead of piling up messages. When the policy gives up, `gaveUp` settles and no more attempts are made.
 */
@Injectable()
export class ControlPlaneConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('connection');
  private readonly reconnect: ReconnectPolicy;
  /** The socket being dialled or open; the one to close at shutdown. */
  private current: WebSocket | null = null;
  private readonly queue: string[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private onMessage: (message: ServerToWorkerMessage) => void = () => undefined;
  private greeting: () => WorkerToServerMessage | null = () => null;
  private giveUp: (error: ReconnectLimitError) => void = () => undefined;
  /** Settles once the reconnect limit is reached. */
  readonly gaveUp = new Promise<ReconnectLimitError>((resolve) => (this.giveUp = resolve));

  /** A dial after the first is a reconnect. */
  private dialled = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: WorkerMetrics,
  ) {
    this.reconnect = new ReconnectPolicy(config.reconnect);
  }

  /**
   * Starts connecting; every message from the control plane goes to `onMessage`. `greeting` makes the
   * first message of each connection, sent before anything queued.
   */
  open(onMessage: (message: ServerToWorkerMessage) => void, greeting: () => WorkerToServerMessage | null = () => null): void {
    this.onMessage = onMessage;
    this.greeting = greeting;
    this.dial();
  }

  /**
   * Resolves once connected with less than 1 MiB waiting in the socket (or when `signal` aborts): the
   * backpressure log followers wait on, so a log flood stays in Docker's (rotated) log files rather
   * than in this process or the control plane.
   */
  whenWritable(signal?: AbortSignal): Promise<void> {
    const writable = () => this.connected && (this.current?.bufferedAmount ?? 0) < WRITABLE_BELOW_BYTES && this.queue.length === 0;
    if (writable() || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearInterval(poll);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const poll = setInterval(() => (writable() || this.closed) && done(), WRITABLE_POLL_MS);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Sends now if connected, else drops it: for messages that only mean something now (reports). */
  sendIfConnected(message: WorkerToServerMessage): boolean {
    if (!this.connected) return false;
    this.current?.send(JSON.stringify(message));
    return true;
  }

  get connected(): boolean {
    return this.current?.readyState === WebSocket.OPEN;
  }

  send(message: WorkerToServerMessage): void {
    const text = JSON.stringify(message);
    if (this.connected && this.queue.length === 0) {
      this.current?.send(text);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(text);
  }

  /** After every task was reported (TaskSupervisor stops them first): sends what is queued, then closes (1000). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.current;
    if (!socket) return;
    if (socket.readyState !== WebSocket.OPEN) {
      socket.terminate(); // still dialling: nothing to say goodbye on
      return;
    }
    this.flush();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'worker stopping');
      setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
    });
  }

  private dial(): void {
    if (this.closed) return;
    if (this.dialled) this.metrics.reconnecting();
    this.dialled = true;
    const url = new URL(this.config.controlPlaneUrl);
    url.searchParams.set('worker_id', this.config.workerId);
    url.searchParams.set('max_concurrent_tasks', String(this.config.maxConcurrentTasks));
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.config.apiKey}` }, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.current = socket;
    let opened = false;
    let lastHeard = Date.now();
    let pinger: NodeJS.Timeout | undefined;

    socket.on('open', () => {
      opened = true;
      this.metrics.connection(true);
      this.reconnect.connected();
      this.logger.log({ url: url.origin }, 'connected');
      const greeting = this.greeting();
      if (greeting) socket.send(JSON.stringify(greeting));
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
      // Nothing a control plane sends may throw out of this listener: that would end the process.
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
      if (opened) this.metrics.connection(false);
      if (this.current === socket) this.current = null;
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
    const next = this.reconnect.failed(Date.now());
    if ('giveUp' in next) {
      this.closed = true;
      const { maxAttempts } = this.config.reconnect;
      this.giveUp(
        new ReconnectLimitError(
          `Could not connect to the control plane at ${this.config.controlPlaneUrl}: ${next.giveUp} ` +
            `(OZ_RECONNECT_MAX_ATTEMPTS=${maxAttempts}). Check that it runs and that --api-key is right.`,
        ),
      );
      return;
    }
    this.retryTimer = setTimeout(() => this.dial(), next.retryInMs);
  }

  private flush(): void {
    while (this.queue.length && this.connected) this.current?.send(this.queue.shift() as string);
  }
}
