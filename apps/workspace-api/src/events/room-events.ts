import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RoomEventData, RoomEventType } from '@oz/workspace-contract';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { EventBus } from './event-bus';

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
  ) {
    this.durable = config.events.durable && config.redisUrl !== null;
  }

  async emit<T extends RoomEventType>(roomId: string, type: T, data: RoomEventData[T]): Promise<void> {
    const published = this.bus.publish(roomId, type, data);
    if (this.durable) {
      await published;
    } else {
      published.catch((error) => this.logger.error({ err: error, roomId, type }, 'events.publish_failed'));
    }
  }

  stream<T extends RoomEventType>(roomId: string, type: T, data: RoomEventData[T]): void {
    this.bus.publish(roomId, type, data).catch((error) => this.logger.warn({ err: error, roomId, type }, 'events.publish_failed'));
  }
}
