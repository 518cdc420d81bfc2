import { Inject, Injectable, Logger } from '@nestjs/common';
import type { UserEventData, UserEventType } from '@oz/workspace-contract';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { WorkspaceMetrics } from '../metrics/workspace-metrics';
import { EventBus, userStream } from './event-bus';

/**
 * What tells a user something on their own channel (`GET /api/events/me`) that is not about one of
 * their rooms: their control-plane runs, their output and logs, the workers (the admin). Same
 * durability rules as RoomEvents: `emit` awaits the bus with OZ_REDIS_EVENTS_DURABLE, `stream` never.
 */
@Injectable()
export class UserEvents {
  private readonly logger = new Logger('events');
  private readonly durable: boolean;

  constructor(
    private readonly bus: EventBus,
    @Inject(WORKSPACE_CONFIG) config: WorkspaceConfig,
    private readonly metrics: WorkspaceMetrics,
  ) {
    this.durable = config.events.durable && config.redisUrl !== null;
  }

  async emit<T extends UserEventType>(userId: string, type: T, data: UserEventData[T]): Promise<void> {
    const published = this.bus.publish(userStream(userId), type, data);
    this.metrics.eventPublished(type);
    if (this.durable) {
      await published;
    } else {
      published.catch((error) => this.logger.error({ err: error, userId, type }, 'events.publish_failed'));
    }
  }
}
