import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiException } from '@oz/server-kit';
import { PublicRoute } from '../common/auth/auth.decorators';
import { DatabaseHealth } from '../database/database-health';
import { HealthDto } from './health.dto';

/** Load balancers and orchestrators poll this: 200 only while the database answers. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  @Get()
  @PublicRoute()
  @ApiOperation({ operationId: 'health', summary: '200 when the server and its database are up, else 503' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrorResponses(503)
  async check(): Promise<HealthDto> {
    if (!(await this.database.isUp())) throw new ApiException(503, 'resource_unavailable', 'Database unreachable', undefined, 5);
    return { status: 'ok', database: 'up' };
  }
}
