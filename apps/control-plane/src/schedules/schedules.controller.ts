import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ScheduleDeleteResponse, ScheduledAgentItem, ScheduleListResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { SuccessDto } from '../common/http/response.dto';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { ScheduledAgentItemDto, ScheduleListResponseDto } from '@oz/api-dto';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiBearerAuth()
@ApiErrorResponses(401)
@Controller('agent/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createSchedule', summary: 'Create a scheduled agent (5-field cron, UTC)' })
  @ApiCreatedResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(400, 404)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateScheduleDto): Promise<ScheduledAgentItem> {
    return this.schedules.create(principal, body);
  }

  @Get()
  @ApiOperation({ operationId: 'listSchedules', summary: 'List scheduled agents by name' })
  @ApiOkResponse({ type: ScheduleListResponseDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<ScheduleListResponse> {
    return { schedules: await this.schedules.list(principal) };
  }

  @Get(':scheduleId')
  @ApiOperation({ operationId: 'getSchedule', summary: 'Get one scheduled agent' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  get(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.get(principal, id);
  }

  @Put(':scheduleId')
  @ApiOperation({ operationId: 'updateSchedule', summary: 'Replace a scheduled agent' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(400, 404)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('scheduleId') id: string,
    @Body() body: UpdateScheduleDto,
  ): Promise<ScheduledAgentItem> {
    return this.schedules.update(principal, id, body);
  }

  @Delete(':scheduleId')
  @ApiOperation({ operationId: 'deleteSchedule', summary: 'Delete a scheduled agent (its runs are kept)' })
  @ApiOkResponse({ type: SuccessDto })
  @ApiErrorResponses(404)
  async delete(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduleDeleteResponse> {
    await this.schedules.delete(principal, id);
    return { success: true };
  }

  @Post(':scheduleId/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseSchedule', summary: 'Stop firing until resumed' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  pause(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setEnabled(principal, id, false);
  }

  @Post(':scheduleId/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeSchedule', summary: 'Fire again from the next cron slot' })
  @ApiOkResponse({ type: ScheduledAgentItemDto })
  @ApiErrorResponses(404)
  resume(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setEnabled(principal, id, true);
  }
}
