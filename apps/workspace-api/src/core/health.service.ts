import { Injectable } from '@nestjs/common';
import { ApiException, withTimeout } from '@oz/server-kit';
import { EventBus } from '../events/event-bus';
import { RedisEventBus } from '../events/redis-event-bus';
import type { HealthDto } from './dto/health.dto';
import { Sql } from './sql';

const CHECK_TIMEOUT_MS = 2000;

/** Up only while the database (and Redis, when configured) answer within two seconds. */
@Injectable()
export class HealthService {
  constructor(
    private readonly db: Sql,
    private readonly bus: EventBus,
  ) {}

  async check(): Promise<HealthDto> {
    const [database, events] = await Promise.allSettled([withTimeout(this.db.rows('SELECT 1'), CHECK_TIMEOUT_MS), withTimeout(this.bus.ping(), CHECK_TIMEOUT_MS)]);
    if (database.status === 'rejected') throw new ApiException(503, 'resource_unavailable', 'Database unreachable', undefined, 5);
    if (events.status === 'rejected') throw new ApiException(503, 'resource_unavailable', 'Redis unreachable', undefined, 5);
    return { status: 'ok', database: 'up', redis: this.bus instanceof RedisEventBus ? 'up' : 'not configured' };
  }
}
