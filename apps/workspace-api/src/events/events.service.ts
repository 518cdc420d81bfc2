import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { ApiResponseOptions } from '@nestjs/swagger';
import { isEventId, type RoomEventData } from '@oz/workspace-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { RoomsService } from '../rooms/rooms.service';
import { EventBus, type RoomEvent } from './event-bus';
import { SseStream } from './sse-stream';

/** What to do with an event on one stream: send it (possibly rewritten), skip it, or end the stream after it. */
export type EventFilter = (event: RoomEvent) => { send: true; json?: string; thenClose?: boolean } | { send: false; close?: boolean };

/** The OpenAPI description of an SSE stream's 200. */
export const SSE_RESPONSE: ApiResponseOptions = {
  description:
    'Server-Sent Events: `id:` (send it back as Last-Event-ID), `event:` the type, `data:` one JSON object (libs/workspace-contract events.ts); a heartbeat every OZ_SSE_HEARTBEAT_MS',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

/** Opens SSE streams on a room's events, and closes them all at shutdown so the server can drain. */
@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly open = new Set<SseStream>();

  constructor(
    private readonly bus: EventBus,
    private readonly rooms: RoomsService,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  get openStreams(): number {
    return this.open.size;
  }

  /** Everything that happens in one of the user's rooms; the room's deletion is the stream's last event. */
  async streamRoom(userId: string, roomId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const room = await this.rooms.require(userId, roomId);
    await this.stream(request, reply, room.id, (event) =>
      event.type === 'room' && 'deleted' in (JSON.parse(event.json) as RoomEventData['room']) ? { send: true, thenClose: true } : { send: true },
    );
  }

  async stream(request: FastifyRequest, reply: FastifyReply, roomId: string, filter: EventFilter): Promise<void> {
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && isEventId(header.trim()) ? header.trim() : null;
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
