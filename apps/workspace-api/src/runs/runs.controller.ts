import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiException } from '@oz/server-kit';
import { CurrentUser, type SessionUser } from '../common/auth';
import { notFound } from '../common/ids';
import { InvocationService } from '../invocation/invocation.service';
import { RoomsRepository } from '../rooms/rooms.repository';
import { agentRunView, type AgentRunView } from './agent-run';
import { RunsRepository } from './runs.repository';

@ApiTags('runs')
@Controller()
export class RunsController {
  constructor(
    private readonly runs: RunsRepository,
    private readonly rooms: RoomsRepository,
    private readonly invocation: InvocationService,
  ) {}

  @Get('rooms/:roomId/runs')
  @ApiOperation({ operationId: 'listRoomRuns', summary: "The room's latest agent runs (100), newest first" })
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string): Promise<{ items: AgentRunView[] }> {
    const room = await this.rooms.require(user.id, roomId);
    return { items: (await this.runs.listForRoom(room.id, 100)).map(agentRunView) };
  }

  @Get('runs/:id')
  @ApiOperation({ operationId: 'getRun', summary: 'One agent run' })
  async get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentRunView> {
    const run = await this.runs.owned(user.id, id);
    if (!run) throw notFound('Run', id);
    return agentRunView(run);
  }

  @Post('runs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelRun', summary: 'Stop one reply in progress (its partial text stays)' })
  async cancel(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentRunView> {
    const run = await this.runs.owned(user.id, id);
    if (!run) throw notFound('Run', id);
    if (!(await this.invocation.cancel(run, 'Cancelled by the user'))) {
      throw ApiException.conflict(`Run ${id} has already ended (${run.state === 'QUEUED' || run.state === 'INPROGRESS' ? 'just now' : run.state})`);
    }
    return agentRunView((await this.runs.byId(run.id))!);
  }
}
