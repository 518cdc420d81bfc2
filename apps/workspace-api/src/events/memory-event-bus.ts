import { compareEventIds, type RoomEventType } from '@oz/workspace-contract';
import { EventBus, OrderedDelivery, type EventListener, type RoomEvent, type Subscription } from './event-bus';

interface RoomStream {
  events: RoomEvent[];
  /** What the kept events cost in memory, about (see sizeOf). */
  bytes: number;
  /** Id of the newest event trimmed away, if any: replays from before it are incomplete. */
  trimmedThrough: string | null;
  listeners: Set<EventListener>;
}

export interface MemoryEventBusLimits {
  /** Events kept per room (OZ_EVENTS_MAX_PER_ROOM). */
  maxPerRoom: number;
  /** Memory the kept events of a room may take (OZ_EVENTS_MAX_BYTES_PER_ROOM). */
  maxBytesPerRoom: number;
  /** Most events replayed to one subscriber; further behind, it gets a gap (OZ_SSE_MAX_REPLAY). */
  maxReplay: number;
}

/** An event in memory: its JSON, the SSE frame built from it once sent (about as long), and the rest. */
const sizeOf = (event: RoomEvent) => 2 * event.json.length + 128;

/**
 * The event bus of a single replica (no REDIS_URL): the same ids, replay and trimming as the Redis
 * bus, kept in memory, so clients behave the same with either. A room keeps its newest events within
 * both a count and a memory budget.
 */
export class MemoryEventBus extends EventBus {
  private readonly rooms = new Map<string, RoomStream>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly limits: MemoryEventBusLimits) {
    super();
  }

  async publish(roomId: string, type: RoomEventType, data: unknown): Promise<string> {
    const room = this.room(roomId);
    const event: RoomEvent = { id: this.nextId(), type, json: JSON.stringify(data) };
    room.events.push(event);
    room.bytes += sizeOf(event);
    this.trim(room);
    for (const listener of room.listeners) listener(event);
    return event.id;
  }

  /** Drops the oldest events beyond the count or the memory budget; the newest always stays (positions are measured from it). */
  private trim(room: RoomStream): void {
    let count = Math.max(0, room.events.length - this.limits.maxPerRoom);
    let bytes = room.bytes;
    for (let i = 0; i < count; i++) bytes -= sizeOf(room.events[i]);
    while (count < room.events.length - 1 && bytes > this.limits.maxBytesPerRoom) {
      bytes -= sizeOf(room.events[count]);
      count += 1;
    }
    if (count === 0) return;
    const trimmed = room.events.splice(0, count);
    room.bytes = bytes;
    room.trimmedThrough = trimmed[trimmed.length - 1].id;
  }

  async subscribe(roomId: string, fromId: string | null, listener: EventListener): Promise<Subscription> {
    const room = this.room(roomId);
    const startedAt = room.events.length ? room.events[room.events.length - 1].id : (room.trimmedThrough ?? '0-0');
    // An id from the future (another bus, a reset stream) cannot be resumed from: start now, as a gap.
    const future = fromId !== null && compareEventIds(fromId, startedAt) > 0;
    const from = fromId === null || future ? startedAt : fromId;
    const delivery = new OrderedDelivery(listener, from);
    room.listeners.add(delivery.live);
    const behind = room.events.filter((e) => compareEventIds(e.id, from) > 0);
    // Further behind than a replay may go: nothing is replayed, and the gap tells the client to reload.
    const tooFar = behind.length > this.limits.maxReplay;
    const gap = future || tooFar || (room.trimmedThrough !== null && compareEventIds(from, room.trimmedThrough) < 0);
    delivery.finishReplay(tooFar ? [] : behind);
    return {
      startedAt,
      gap,
      close: () => {
        room.listeners.delete(delivery.live);
      },
    };
  }

  async drop(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  async ping(): Promise<void> {
    return;
  }

  /** Delivery is synchronous: nothing is ever in flight. */
  async drain(): Promise<void> {
    return;
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  private room(roomId: string): RoomStream {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { events: [], bytes: 0, trimmedThrough: null, listeners: new Set() };
      this.rooms.set(roomId, room);
    }
    return room;
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq += 1;
    }
    return `${this.lastMs}-${this.seq}`;
  }
}
