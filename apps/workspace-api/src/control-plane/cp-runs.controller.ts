import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentRunResponse, RunItem, RunListResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import type { RunLogPage } from '@oz/workspace-contract';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ControlPlaneRuns } from './control-plane-runs';
import { AgentRunResponseDto, ListRunsQueryDto, RunItemDto, RunListResponseDto } from '@oz/api-dto';
import { CpCreateRunDto, CpRunLogPageDto, CpRunLogsQuery } from './dto/cp-run.dto';

/** The control plane's runs, for the signed-in user's own tenant (the instance admin: every tenant's). */
@ApiTags('control plane')
@SessionRoute()
@ApiErrorResponses(409, 429, 502, 503)
@Controller('cp/runs')
export class CpRunsController {
  constructor(private readonly runs: ControlPlaneRuns) {}

  @Get()
  @ApiOperation({ operationId: 'cpListRuns', summary: 'Your runs, newest first, with the SDK\'s filters and cursor paging' })
  @ApiOkResponse({ type: RunListResponseDto })
  @ApiErrorResponses(400)
  list(@CurrentUser() user: SessionUser, @Query() query: ListRunsQueryDto): Promise<RunListResponse> {
    return this.runs.list(user.id, query);
  }

  @Post()
  @ApiOperation({ operationId: 'cpCreateRun', summary: 'Start a run (QUEUED; PENDING with config.environment_id: a worker runs it)' })
  @ApiCreatedResponse({ type: AgentRunResponseDto })
  @ApiErrorResponses(400, 404, 422)
  create(@CurrentUser() user: SessionUser, @Body() body: CpCreateRunDto): Promise<AgentRunResponse> {
    return this.runs.create(user.id, body);
  }

  @Get(':runId')
  @ApiOperation({ operationId: 'cpGetRun', summary: 'One of your runs, its output included' })
  @ApiOkResponse({ type: RunItemDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('runId') runId: string): Promise<RunItem> {
    return this.runs.get(user.id, runId);
  }

  @Post(':runId/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cpCancelRun', summary: 'Cancel an unfinished run; answers the run as it now is (400 when it already finished)' })
  @ApiOkResponse({ type: RunItemDto })
  @ApiErrorResponses(400, 404)
  cancel(@CurrentUser() user: SessionUser, @Param('runId') runId: string): Promise<RunItem> {
    return this.runs.cancel(user.id, runId);
  }

  @Get(':runId/logs')
  @ApiOperation({ operationId: 'cpRunLogs', summary: 'Log lines a worker sent for the run, oldest first; page with `after`' })
  @ApiOkResponse({ type: CpRunLogPageDto })
  @ApiErrorResponses(400, 404)
  logs(@CurrentUser() user: SessionUser, @Param('runId') runId: string, @Query() query: CpRunLogsQuery): Promise<RunLogPage> {
    return this.runs.logs(user.id, runId, query.after, query.limit);
  }
}
