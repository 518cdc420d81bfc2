import { Logger } from '@nestjs/common';
import { compareEventIds, type RoomEventType, type UserEventType } from '@oz/workspace-contract';

const logger = new Logger('events');

/** A stream is a room's (named by the room id) or a user's own channel (`userStream(id)`). */
export type StreamEventType = RoomEventType | UserEventType;

/** The name of a user's own stream on the bus (`GET /api/events/me`); room streams are named by the room id. */
export const userStream = (userId: string): string => `user:${userId}`;

export interface RoomEvent {
  id: string;
  type: StreamEventType;
  /** The event's `data` as JSON text, serialised once for every subscriber. */
  json: string;
  /** The SSE frame, built by the first stream that sends the event unchanged and reused by the rest. */
  frame?: string;
}

export type EventListener = (event: RoomEvent) => void;

export interface Subscription {
  /**
   * The stream position the subscription started from: the id of the last event it will not deliver
   * (or `0-0` for an empty stream). Heartbeats carry it until a newer event is delivered.
   */
  readonly startedAt: string;
  /** True when events after the requested `fromId` were already trimmed: the replay is incomplete. */
  readonly gap: boolean;
  close(): void;
}

/**
 * Per-room event streams. `publish` appends to the room's stream; `subscribe` delivers, in order and
 * each once, the events after `fromId` still kept (replay), then every new one until closed.
 */
export abstract class EventBus {
  abstract publish(roomId: string, type: StreamEventType, data: unknown): Promise<string>;
  abstract subscribe(roomId: string, fromId: string | null, listener: EventListener): Promise<Subscription>;
  /** Forgets a deleted room's stream (after its last event had time to reach subscribers). */
  abstract drop(roomId: string): Promise<void>;
  abstract ping(): Promise<void>;
  /** Waits (up to `timeoutMs`) until events this replica published have reached its own subscribers. */
  abstract drain(timeoutMs: number): Promise<void>;
  abstract close(): Promise<void>;

  /** Nest calls this after every `beforeApplicationShutdown` hook, so final events still go out. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

/**
 * Wraps a listener so it sees each event once and in order: replayed events first, live events that
 * arrived meanwhile after them, nothing at or below the position it has reached.
 */
export class OrderedDelivery {
  private buffered: RoomEvent[] | null = [];

  constructor(
    private readonly listener: EventListener,
    private last: string,
  ) {}

  /** Live events: held back while the replay is being read. */
  live = (event: RoomEvent): void => {
    if (this.buffered) this.buffered.push(event);
    else this.deliver(event);
  };

  /** Replayed events, then whatever arrived live in the meantime. */
  finishReplay(replayed: RoomEvent[]): void {
    const held = this.buffered ?? [];
    this.buffered = null;
    for (const event of replayed) this.deliver(event);
    for (const event of held) this.deliver(event);
  }

  private deliver(event: RoomEvent): void {
    if (compareEventIds(event.id, this.last) <= 0) return;
    this.last = event.id;
    try {
      this.listener(event);
    } catch (error) {
      // One subscriber's failure must not cost the others their events.
      logger.warn({ err: error }, 'events.listener_failed');
    }
  }
}
