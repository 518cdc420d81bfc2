import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ConnectedWorkersResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ConnectedWorkersResponseDto } from './dto/connected-workers.dto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RunLogsQueryDto, RunLogsResponseDto, RunLogStreamQueryDto } from './dto/run-logs.dto';
import { RunLogStreams } from './run-log-stream';
import { WorkersService } from './workers.service';

@ApiTags('workers')
@ApiBearerAuth()
@ApiErrorResponses(401)
@Controller('agent')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly logStreams: RunLogStreams,
  ) {}

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

  @Get('runs/:runId/logs/stream')
  @ApiOperation({
    operationId: 'streamRunLogs',
    summary: 'A run’s log live (server-sent events): `line` events (id = the line’s id) from after Last-Event-ID, then an `end` event once the run ended',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last line already read (a reconnect sends it by itself)' })
  @ApiOkResponse({
    description: '`event: line` with `id: <line id>` and data `{id, line, logged_at}`; finally `event: end` with data `{state}`',
    schema: { type: 'string' },
  })
  @ApiErrorResponses(400, 404)
  streamLogs(
    @CurrentPrincipal() principal: Principal,
    @Param('runId') runId: string,
    @Query() query: RunLogStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const resumeAt = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
    return this.logStreams.stream(principal, runId, resumeAt ?? query.after ?? 0, request, reply);
  }
}
