import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentRunPage, AgentRunView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { AgentRunViewDto } from '../common/dto/agent-run-view.dto';
import { AgentRunsService } from './agent-runs.service';
import { AgentRunListDto, AgentRunPageQuery } from './dto/agent-run-list.dto';

/** The workspace's agent runs (one per agent reply; not the control plane's runs). The paths keep their `runs` names: URLs are contracts. */
@ApiTags('runs')
@SessionRoute()
@Controller()
export class AgentRunsController {
  constructor(private readonly runs: AgentRunsService) {}

  @Get('rooms/:roomId/runs')
  @ApiOperation({ operationId: 'listRoomRuns', summary: "The room's agent runs, newest first, a page at a time (`before` = `next_cursor`)" })
  @ApiOkResponse({ type: AgentRunListDto })
  @ApiErrorResponses(400, 404)
  list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Query() query: AgentRunPageQuery): Promise<AgentRunPage> {
    return this.runs.list(user.id, roomId, query.limit, query.before);
  }

  @Get('runs/:id')
  @ApiOperation({ operationId: 'getRun', summary: 'One agent run' })
  @ApiOkResponse({ type: AgentRunViewDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentRunView> {
    return this.runs.get(user.id, id);
  }

  @Post('runs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelRun', summary: 'Stop one reply in progress (its partial text stays)' })
  @ApiOkResponse({ type: AgentRunViewDto })
  @ApiErrorResponses(404, 409)
  cancel(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentRunView> {
    return this.runs.cancel(user.id, id);
  }
}
