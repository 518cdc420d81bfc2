import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RoomEventData, RoomEventType, UserEventType } from '@oz/workspace-contract';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { WorkspaceMetrics } from '../metrics/workspace-metrics';
import { EventBus, userStream } from './event-bus';

/** Room events the room's owner also gets on their own channel, and the type they have there. */
const OWNER_CHANNEL_TYPES: Partial<Record<RoomEventType, UserEventType>> = { room: 'rooms', notification: 'notification' };

/**
 * What services call to tell a room's viewers something changed. Write routes `emit`: with
 * OZ_REDIS_EVENTS_DURABLE the route answers only once the event is stored; otherwise it is sent in the
 * background and a failure is logged (the change itself is already committed). Streaming deltas use
 * `stream`, never awaited.
 */
@Injectable()
export class RoomEvents {
  private readonly logger = new Logger('events');
  private readonly durable: boolean;

  constructor(
    private readonly bus: EventBus,
    @Inject(WORKSPACE_CONFIG) config: WorkspaceConfig,
    private readonly metrics: WorkspaceMetrics,
  ) {
    this.durable = config.events.durable && config.redisUrl !== null;
  }

  /**
   * `ownerId`, the room's owner, also gets the event on their own channel (`GET /api/events/me`) when
   * it is about the room itself (as `rooms`: the sidebar and the agents' statuses of every tab) or a
   * notification (the inbox badge, whichever room is open).
   */
  async emit<T extends RoomEventType>(roomId: string, type: T, data: RoomEventData[T], ownerId?: string): Promise<void> {
    const published = [this.bus.publish(roomId, type, data)];
    this.metrics.eventPublished(type);
    const forwarded = ownerId ? OWNER_CHANNEL_TYPES[type] : undefined;
    if (ownerId && forwarded) {
      published.push(this.bus.publish(userStream(ownerId), forwarded, data));
      this.metrics.eventPublished(forwarded);
    }
    const all = Promise.all(published);
    if (this.durable) {
      await all;
    } else {
      all.catch((error) => this.logger.error({ err: error, roomId, type }, 'events.publish_failed'));
    }
  }

  stream<T extends RoomEventType>(roomId: string, type: T, data: RoomEventData[T]): void {
    this.metrics.eventPublished(type);
    this.bus.publish(roomId, type, data).catch((error) => this.logger.warn({ err: error, roomId, type }, 'events.publish_failed'));
  }
}
