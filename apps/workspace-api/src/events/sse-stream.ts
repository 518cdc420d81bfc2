import type { ServerResponse } from 'node:http';
import type { RoomEvent, Subscription } from './event-bus';
import { HEARTBEAT_EVENT, RESYNC_EVENT } from '@oz/workspace-contract';

/** A client that stops reading: past this much unsent data the stream is closed (it can resume). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One SSE response. Every frame carries an `id:` (heartbeats carry the latest position), so a client
 * that reconnects with `Last-Event-ID` resumes exactly where it stopped.
 */
export class SseStream {
  private lastId: string;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  private subscription: Subscription | null = null;

  constructor(
    private readonly response: ServerResponse,
    startId: string,
    heartbeatMs: number,
    headers: Record<string, string>,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.lastId = startId;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...headers,
    });
    response.on('close', () => this.close());
    this.heartbeat = setInterval(() => this.sendHeartbeat(), heartbeatMs);
    this.sendHeartbeat();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  attach(subscription: Subscription): void {
    if (this.closed) subscription.close();
    else this.subscription = subscription;
  }

  resync(): void {
    this.write(`id: ${this.lastId}\nevent: ${RESYNC_EVENT}\ndata: {}\n\n`);
  }

  /** Sends an event, or a rewritten `json` of it (public viewers); the common frame is built once per event. */
  send(event: RoomEvent, json?: string): void {
    this.lastId = event.id;
    if (json !== undefined) this.write(frameOf(event.id, event.type, json));
    else this.write((event.frame ??= frameOf(event.id, event.type, event.json)));
  }

  /** Moves the position past an event this client does not get (filtered out), so heartbeats stay current. */
  skip(event: RoomEvent): void {
    this.lastId = event.id;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.subscription?.close();
    if (!this.response.writableEnded) this.response.end();
    this.onClose();
  }

  private sendHeartbeat(): void {
    this.write(`id: ${this.lastId}\nevent: ${HEARTBEAT_EVENT}\ndata: {"t":${Date.now()}}\n\n`);
  }

  private write(frame: string): void {
    if (this.closed) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.response.write(frame);
  }
}

function frameOf(id: string, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`;
}
