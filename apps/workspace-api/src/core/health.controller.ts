import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import { PublicRoute } from '../common/auth';
import { HealthDto } from './dto/health.dto';
import { HealthService } from './health.service';

/** Load balancers poll this. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @PublicRoute()
  @ApiOperation({ operationId: 'health', summary: '200 when the server, its database and Redis (if used) are up, else 503' })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrorResponses(503)
  check(): Promise<HealthDto> {
    return this.health.check();
  }
}
