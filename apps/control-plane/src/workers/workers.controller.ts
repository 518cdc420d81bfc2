import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ConnectedWorkersResponse } from '@oz/contract';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { RunLogsQueryDto, type RunLogsResponse } from './dto/run-logs.dto';
import { WorkersService } from './workers.service';

@ApiTags('workers')
@ApiBearerAuth()
@Controller('agent')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('connected-self-hosted-workers')
  @AdminOnly()
  @ApiOperation({ operationId: 'listConnectedWorkers', summary: 'Workers connected to any replica: connections, connected_at, last_seen_at (admin key only)' })
  connected(): Promise<ConnectedWorkersResponse> {
    return this.workers.connected();
  }

  @Get('runs/:runId/logs')
  @ApiOperation({ operationId: 'getRunLogs', summary: 'Log lines a worker sent for a run, oldest first; page with `after` = the last id seen' })
  logs(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() query: RunLogsQueryDto): Promise<RunLogsResponse> {
    return this.workers.logs(principal, runId, query);
  }
}
