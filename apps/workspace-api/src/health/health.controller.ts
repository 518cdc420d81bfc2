import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiException, withTimeout } from '@oz/server-kit';
import { PublicRoute } from '../common/auth';
import { Sql } from '../common/sql';
import { EventBus } from '../events/event-bus';
import { RedisEventBus } from '../events/redis-event-bus';

/** Load balancers poll this: 200 only while the database (and Redis, when configured) answer. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Sql,
    private readonly bus: EventBus,
  ) {}

  @Get()
  @PublicRoute()
  @ApiOperation({ operationId: 'health', summary: '200 when the server, its database and Redis (if used) are up, else 503' })
  async check(): Promise<{ status: 'ok'; database: 'up'; redis: 'up' | 'not configured' }> {
    const redis = this.bus instanceof RedisEventBus;
    const [database, events] = await Promise.allSettled([
      withTimeout(this.db.rows('SELECT 1'), 2000),
      withTimeout(this.bus.ping(), 2000),
    ]);
    if (database.status === 'rejected') throw new ApiException(503, 'resource_unavailable', 'Database unreachable', undefined, 5);
    if (events.status === 'rejected') throw new ApiException(503, 'resource_unavailable', 'Redis unreachable', undefined, 5);
    return { status: 'ok', database: 'up', redis: redis ? 'up' : 'not configured' };
  }
}
