import { Logger } from '@nestjs/common';
import { compareEventIds, type RoomEventType } from '@oz/workspace-contract';
import Redis from 'ioredis';
import { EventBus, OrderedDelivery, type EventListener, type RoomEvent, type Subscription } from './event-bus';

type StreamEntry = [id: string, fields: string[]];

interface WatchedRoom {
  key: string;
  /** Id of the last event the reader delivered (or the stream's head when the room was first watched). */
  cursor: string;
  listeners: Set<EventListener>;
}

const BLOCK_MS = 10_000;
const READ_COUNT = 500;

/**
 * Events through Redis Streams, so every replica delivers every event. Each room is one stream
 * (`XADD … MAXLEN ~ n`, with an expiry refreshed on each write). Each replica has one reader
 * connection blocked in a single `XREAD` over every room it has subscribers for, and fans each event
 * out to them: no polling, and one Redis read per event per replica however many clients watch.
 * When a room is added, the blocked read is interrupted (`CLIENT UNBLOCK`) to include it.
 */
export class RedisEventBus extends EventBus {
  private readonly logger = new Logger('events');
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readerId: number | null = null;
  private readonly rooms = new Map<string, WatchedRoom>();
  private readonly watching = new Map<string, Promise<WatchedRoom>>();
  private wake: (() => void) | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private lastError: Error | null = null;
  /** Per room, the id of the last event this replica published. */
  private readonly published = new Map<string, string>();

  constructor(
    url: string,
    private readonly options: { maxPerRoom: number; ttlSeconds: number; maxReplay: number; keyPrefix?: string },
  ) {
    super();
    const common = { maxRetriesPerRequest: null, enableAutoPipelining: true, lazyConnect: true } as const;
    this.writer = new Redis(url, { ...common, connectionName: 'oz-workspace-writer' });
    this.reader = new Redis(url, { ...common, enableAutoPipelining: false, connectionName: 'oz-workspace-reader' });
    for (const client of [this.writer, this.reader]) {
      client.on('error', (error) => {
        this.lastError = error;
        this.logger.warn({ err: error }, 'redis.error');
      });
    }
  }

  /** Connects both clients; fails fast with a clear message when Redis is unreachable at start-up. */
  async connect(): Promise<void> {
    try {
      await Promise.all([this.writer.connect(), this.reader.connect()]);
    } catch (error) {
      this.writer.disconnect();
      this.reader.disconnect();
      const { host, port } = this.writer.options;
      throw new Error(`Cannot reach Redis at ${host}:${port} (REDIS_URL): ${(this.lastError ?? (error as Error)).message}`);
    }
    this.reader.on('ready', () => void this.identifyReader());
    await this.identifyReader();
    this.loop = this.readLoop();
  }

  async publish(roomId: string, type: RoomEventType, data: unknown): Promise<string> {
    const key = this.key(roomId);
    const [[addError, id], [expireError]] = (await this.writer
      .multi()
      .xadd(key, 'MAXLEN', '~', String(this.options.maxPerRoom), '*', 'type', type, 'data', JSON.stringify(data))
      .expire(key, this.options.ttlSeconds)
      .exec()) as [Error | null, unknown][];
    if (addError ?? expireError) throw addError ?? expireError;
    if (this.rooms.has(roomId)) this.published.set(roomId, id as string); // only rooms with viewers here
    return id as string;
  }

  async subscribe(roomId: string, fromId: string | null, listener: EventListener): Promise<Subscription> {
    const room = await this.watch(roomId);
    const startedAt = room.cursor;
    const future = fromId !== null && compareEventIds(fromId, startedAt) > 0;
    const from = fromId === null || future ? startedAt : fromId;
    const delivery = new OrderedDelivery(listener, from);
    room.listeners.add(delivery.live);
    const close = () => {
      room.listeners.delete(delivery.live);
      if (room.listeners.size === 0 && this.rooms.get(roomId) === room) {
        this.rooms.delete(roomId);
        this.published.delete(roomId);
      }
    };
    try {
      let gap = future;
      let replayed: RoomEvent[] = [];
      if (compareEventIds(from, startedAt) < 0) {
        // Everything after `from` up to where the live reader took over, unless that is more than a
        // replay may hold: then nothing, and the gap tells the client to reload.
        const entries = (await this.writer.xrange(room.key, `(${from}`, startedAt, 'COUNT', this.options.maxReplay + 1)) as StreamEntry[];
        if (entries.length > this.options.maxReplay) gap = true;
        else replayed = entries.map(toEvent);
        gap ||= await this.trimmedAfter(room.key, from);
      }
      delivery.finishReplay(replayed);
      return { startedAt, gap, close };
    } catch (error) {
      close();
      throw error;
    }
  }

  async drop(roomId: string): Promise<void> {
    await this.writer.del(this.key(roomId));
  }

  async ping(): Promise<void> {
    await this.writer.ping();
  }

  async drain(timeoutMs: number): Promise<void> {
    const behind = () =>
      [...this.rooms.entries()].some(([roomId, room]) => {
        const last = this.published.get(roomId);
        return last !== undefined && compareEventIds(room.cursor, last) < 0;
      });
    for (const deadline = Date.now() + timeoutMs; behind() && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.interruptRead();
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    await this.writer.quit().catch(() => this.writer.disconnect());
  }

  /** `…:room:<id>:events`, or `…:user:<id>:events` for a user's own channel (`userStream`). */
  private key(roomId: string): string {
    const prefix = this.options.keyPrefix ?? 'oz:workspace';
    return roomId.startsWith('user:') ? `${prefix}:user:${roomId.slice(5)}:events` : `${prefix}:room:${roomId}:events`;
  }

  /** Starts reading a room's stream from its current end, once per room however many subscribe at once. */
  private watch(roomId: string): Promise<WatchedRoom> {
    const known = this.rooms.get(roomId);
    if (known) return Promise.resolve(known);
    let pending = this.watching.get(roomId);
    if (!pending) {
      const key = this.key(roomId);
      pending = this.writer
        .xrevrange(key, '+', '-', 'COUNT', 1)
        .then((last) => {
          const room: WatchedRoom = { key, cursor: (last as StreamEntry[])[0]?.[0] ?? '0-0', listeners: new Set() };
          this.rooms.set(roomId, room);
          this.wake?.();
          void this.interruptRead();
          return room;
        })
        .finally(() => this.watching.delete(roomId));
      this.watching.set(roomId, pending);
    }
    return pending;
  }

  /**
   * Whether events after `from` may have been trimmed: some entries were trimmed (added > kept) and the
   * oldest kept one is newer than `from`. Trimmed entries are always the oldest, so when `from` is at
   * or past the oldest kept entry nothing the client needs is gone.
   */
  private async trimmedAfter(key: string, from: string): Promise<boolean> {
    try {
      const info = (await this.writer.call('XINFO', 'STREAM', key)) as unknown[];
      const field = (name: string) => info[info.indexOf(name) + 1];
      const trimmed = Number(field('entries-added')) > Number(field('length'));
      const firstKept = String(field('recorded-first-entry-id'));
      return trimmed && compareEventIds(from, firstKept) < 0;
    } catch {
      return false; // no stream (expired or never written): nothing was trimmed that we could know of
    }
  }

  private async identifyReader(): Promise<void> {
    this.readerId = Number(await this.reader.client('ID'));
  }

  private async interruptRead(): Promise<void> {
    if (this.readerId === null) return;
    await this.writer.client('UNBLOCK', this.readerId).catch(() => undefined);
  }

  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.rooms.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const watched = [...this.rooms.values()];
      try {
        const result = (await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...watched.map((r) => r.key),
          ...watched.map((r) => r.cursor),
        )) as [key: string, entries: StreamEntry[]][] | null;
        if (!result) continue;
        const byKey = new Map(watched.map((r) => [r.key, r]));
        for (const [key, entries] of result) {
          const room = byKey.get(key);
          if (!room || entries.length === 0) continue;
          room.cursor = entries[entries.length - 1][0];
          for (const entry of entries) {
            const event = toEvent(entry);
            for (const listener of room.listeners) listener(event);
          }
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error }, 'events.read_failed');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}

function toEvent([id, fields]: StreamEntry): RoomEvent {
  let type = '';
  let json = 'null';
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1];
    else if (fields[i] === 'data') json = fields[i + 1];
  }
  return { id, type: type as RoomEvent['type'], json };
}
