import { compareEventIds, type RoomEventType } from '@oz/workspace-contract';
import { EventBus, OrderedDelivery, type EventListener, type RoomEvent, type Subscription } from './event-bus';

interface RoomStream {
  events: RoomEvent[];
  /** Id of the newest event trimmed away, if any: replays from before it are incomplete. */
  trimmedThrough: string | null;
  listeners: Set<EventListener>;
}

/**
 * The event bus of a single replica (no REDIS_URL): the same ids, replay and trimming as the Redis
 * bus, kept in memory, so clients behave the same with either.
 */
export class MemoryEventBus extends EventBus {
  private readonly rooms = new Map<string, RoomStream>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly maxPerRoom: number) {
    super();
  }

  async publish(roomId: string, type: RoomEventType, data: unknown): Promise<string> {
    const room = this.room(roomId);
    const event: RoomEvent = { id: this.nextId(), type, json: JSON.stringify(data) };
    room.events.push(event);
    if (room.events.length > this.maxPerRoom) {
      const trimmed = room.events.splice(0, room.events.length - this.maxPerRoom);
      room.trimmedThrough = trimmed[trimmed.length - 1].id;
    }
    for (const listener of room.listeners) listener(event);
    return event.id;
  }

  async subscribe(roomId: string, fromId: string | null, listener: EventListener): Promise<Subscription> {
    const room = this.room(roomId);
    const startedAt = room.events.length ? room.events[room.events.length - 1].id : (room.trimmedThrough ?? '0-0');
    // An id from the future (another bus, a reset stream) cannot be resumed from: start now, as a gap.
    const future = fromId !== null && compareEventIds(fromId, startedAt) > 0;
    const from = fromId === null || future ? startedAt : fromId;
    const delivery = new OrderedDelivery(listener, from);
    room.listeners.add(delivery.live);
    const gap = future || (room.trimmedThrough !== null && compareEventIds(from, room.trimmedThrough) < 0);
    delivery.finishReplay(room.events.filter((e) => compareEventIds(e.id, from) > 0));
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
      room = { events: [], trimmedThrough: null, listeners: new Set() };
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
