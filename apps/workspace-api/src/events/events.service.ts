import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { EVENT_ID, EventBus, type RoomEvent } from './event-bus';
import { SseStream } from './sse-stream';

/** What to do with an event on one stream: send it (possibly rewritten), skip it, or end the stream after it. */
export type EventFilter = (event: RoomEvent) => { send: true; json?: string; thenClose?: boolean } | { send: false; close?: boolean };

/** Opens SSE streams on a room's events, and closes them all at shutdown so the server can drain. */
@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly open = new Set<SseStream>();

  constructor(
    private readonly bus: EventBus,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  get openStreams(): number {
    return this.open.size;
  }

  async stream(request: FastifyRequest, reply: FastifyReply, roomId: string, filter: EventFilter): Promise<void> {
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && EVENT_ID.test(header.trim()) ? header.trim() : null;
    let stream: SseStream | null = null;
    const pending: RoomEvent[] = [];
    const deliver = (event: RoomEvent) => {
      if (!stream) return void pending.push(event);
      if (stream.isClosed) return;
      const verdict = filter(event);
      if (verdict.send) {
        stream.send(event, verdict.json);
        if (verdict.thenClose) stream.close();
      } else if ('close' in verdict && verdict.close) {
        stream.close();
      } else {
        stream.skip(event);
      }
    };
    const subscription = await this.bus.subscribe(roomId, lastEventId, deliver);
    if (reply.raw.destroyed) return subscription.close(); // the client left while we subscribed
    reply.hijack();
    const created: SseStream = new SseStream(
      reply.raw,
      lastEventId && !subscription.gap ? lastEventId : subscription.startedAt,
      this.config.events.heartbeatMs,
      { 'X-Request-Id': String(request.id) },
      () => this.open.delete(created),
    );
    stream = created;
    this.open.add(stream);
    stream.attach(subscription);
    if (subscription.gap) stream.resync();
    for (const event of pending.splice(0)) deliver(event);
  }

  /**
   * Open streams would keep the HTTP server from closing. The last events (replies ended by the
   * shutdown) reach this replica's viewers first.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.drain(2000);
    for (const stream of [...this.open]) stream.close();
  }
}
