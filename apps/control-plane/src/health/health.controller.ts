import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PublicRoute } from '../common/auth/auth.decorators';
import { ApiException, withTimeout } from '@oz/server-kit';

/** Load balancers and orchestrators poll this: 200 only while the database answers. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @PublicRoute()
  @ApiOperation({ operationId: 'health', summary: '200 when the server and its database are up, else 503' })
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), 2000);
      return { status: 'ok', database: 'up' };
    } catch {
      throw new ApiException(503, 'resource_unavailable', 'Database unreachable', undefined, 5);
    }
  }
}
