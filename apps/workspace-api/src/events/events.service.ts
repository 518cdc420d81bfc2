import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { ApiResponseOptions } from '@nestjs/swagger';
import { isEventId, type RoomEventData } from '@oz/workspace-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { WorkspaceMetrics } from '../metrics/workspace-metrics';
import { RoomsService } from '../rooms/rooms.service';
import { EventBus, type RoomEvent, userStream } from './event-bus';
import { SseStream } from './sse-stream';
import { type StreamHolder, StreamLimits } from './stream-limits';
import { UserChannels } from './user-channels';

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
  private readonly streams = new Set<SseStream>();

  constructor(
    private readonly bus: EventBus,
    private readonly rooms: RoomsService,
    private readonly limits: StreamLimits,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    private readonly channels: UserChannels,
    private readonly metrics: WorkspaceMetrics,
  ) {}

  get openStreams(): number {
    return this.streams.size;
  }

  /** Everything that happens in one of the user's rooms; the room's deletion is the stream's last event. */
  async streamRoom(userId: string, roomId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const room = await this.rooms.require(userId, roomId);
    await this.stream(
      request,
      reply,
      room.id,
      (event) =>
        event.type === 'room' && 'deleted' in (JSON.parse(event.json) as RoomEventData['room']) ? { send: true, thenClose: true } : { send: true },
      { userId },
    );
  }

  /**
   * The user's own channel: what is theirs beyond one room (control-plane runs and their output and
   * logs, notifications and room changes from any room, workers for the admin). While it is open,
   * UserChannels lists the user, so the control-plane feed watches their runs.
   */
  async streamUser(userId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const leave = this.channels.enter(userId);
    reply.raw.once('close', leave);
    try {
      await this.stream(request, reply, userStream(userId), () => ({ send: true }), { userId });
    } catch (error) {
      leave();
      throw error;
    }
    if (reply.raw.destroyed) leave();
  }

  /**
   * A room's events for `holder` (a user, a share link's viewer): refused with 429 when the holder or
   * the client address already has as many streams open on this replica as it may (StreamLimits).
   */
  async stream(request: FastifyRequest, reply: FastifyReply, roomId: string, filter: EventFilter, holder: StreamHolder | null): Promise<void> {
    const release = this.limits.admit(request, holder);
    try {
      await this.open(request, reply, roomId, filter, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private async open(request: FastifyRequest, reply: FastifyReply, roomId: string, filter: EventFilter, release: () => void): Promise<void> {
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
        this.metrics.sseEventSent();
        if (verdict.thenClose) stream.close();
      } else if ('close' in verdict && verdict.close) {
        stream.close();
      } else {
        stream.skip(event);
      }
    };
    const subscription = await this.bus.subscribe(roomId, lastEventId, deliver);
    if (reply.raw.destroyed) {
      // The client left while we subscribed.
      subscription.close();
      return release();
    }
    reply.hijack();
    const created: SseStream = new SseStream(
      reply.raw,
      lastEventId && !subscription.gap ? lastEventId : subscription.startedAt,
      this.config.events.heartbeatMs,
      { 'X-Request-Id': String(request.id) },
      () => {
        this.streams.delete(created);
        this.metrics.sseStreams(this.streams.size);
        release();
      },
    );
    stream = created;
    this.streams.add(stream);
    this.metrics.sseStreams(this.streams.size);
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
    for (const stream of [...this.streams]) stream.close();
  }
}
