import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ScheduledAgentItem, ScheduleDeleteResponse, ScheduleListResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ControlPlaneSchedules } from './control-plane-schedules';
import { ScheduledAgentItemDto, ScheduleListResponseDto } from '@oz/api-dto';
import { CpScheduleCreateDto, CpScheduleDeleteDto, CpScheduleUpdateDto } from './dto/cp-schedule.dto';

/** The user's schedules on the control plane. */
@ApiTags('control plane')
@SessionRoute()
@ApiErrorResponses(409, 429, 502, 503)
@Controller('cp/schedules')
export class CpSchedulesController {
  constructor(private readonly schedules: ControlPlaneSchedules) {}

  @Get()
  @ApiOperation({ operationId: 'cpListSchedules', summary: 'Your schedules, with their next run' })
  @ApiOkResponse({ type: ScheduleListResponseDto })
  list(@CurrentUser() user: SessionUser): Promise<ScheduleListResponse> {
    return this.schedules.list(user.id);
  }

  @Post()
  @ApiOperation({ operationId: 'cpCreateSchedule', summary: 'Create a schedule (5-field cron, UTC)' })
  @ApiCreatedResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(400)
  create(@CurrentUser() user: SessionUser, @Body() body: CpScheduleCreateDto): Promise<ScheduledAgentItem> {
    return this.schedules.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'cpGetSchedule', summary: 'One of your schedules' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.get(user.id, id);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'cpUpdateSchedule', summary: 'Replace a schedule (every field)' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(400, 404)
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: CpScheduleUpdateDto): Promise<ScheduledAgentItem> {
    return this.schedules.update(user.id, id, body);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'cpDeleteSchedule', summary: 'Delete a schedule (its runs stay)' })
  @ApiOkResponse({ type: CpScheduleDeleteDto })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<ScheduleDeleteResponse> {
    return this.schedules.delete(user.id, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cpPauseSchedule', summary: 'Pause a schedule' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  pause(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setPaused(user.id, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cpResumeSchedule', summary: 'Resume a schedule' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  resume(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setPaused(user.id, id, false);
  }
}
