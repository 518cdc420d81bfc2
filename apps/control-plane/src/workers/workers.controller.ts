import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ConnectedWorkersResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ConnectedWorkersResponseDto } from './dto/connected-workers.dto';
import { RunLogsQueryDto, RunLogsResponseDto } from './dto/run-logs.dto';
import { WorkersService } from './workers.service';

@ApiTags('workers')
@ApiBearerAuth()
@ApiErrorResponses(401)
@Controller('agent')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('connected-self-hosted-workers')
  @AdminOnly()
  @ApiOperation({ operationId: 'listConnectedWorkers', summary: 'Workers connected to any replica: connections, connected_at, last_seen_at (admin key only)' })
  @ApiOkResponse({ type: ConnectedWorkersResponseDto })
  @ApiErrorResponses(403)
  connected(): Promise<ConnectedWorkersResponse> {
    return this.workers.connected();
  }

  @Get('runs/:runId/logs')
  @ApiOperation({ operationId: 'getRunLogs', summary: 'Log lines a worker sent for a run, oldest first; page with `after` = the last id seen' })
  @ApiOkResponse({ type: RunLogsResponseDto })
  @ApiErrorResponses(400, 404)
  logs(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() query: RunLogsQueryDto): Promise<RunLogsResponseDto> {
    return this.workers.logs(principal, runId, query);
  }
}
