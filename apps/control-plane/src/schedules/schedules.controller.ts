import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ScheduleDeleteResponse, ScheduledAgentItem, ScheduleListResponse } from '@oz/contract';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('agent/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createSchedule', summary: 'Create a scheduled agent (5-field cron, UTC)' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateScheduleDto): Promise<ScheduledAgentItem> {
    return this.schedules.create(principal, body);
  }

  @Get()
  @ApiOperation({ operationId: 'listSchedules', summary: 'List scheduled agents by name' })
  async list(@CurrentPrincipal() principal: Principal): Promise<ScheduleListResponse> {
    return { schedules: await this.schedules.list(principal) };
  }

  @Get(':scheduleId')
  @ApiOperation({ operationId: 'getSchedule', summary: 'Get one scheduled agent' })
  get(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.get(principal, id);
  }

  @Put(':scheduleId')
  @ApiOperation({ operationId: 'updateSchedule', summary: 'Replace a scheduled agent' })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('scheduleId') id: string,
    @Body() body: UpdateScheduleDto,
  ): Promise<ScheduledAgentItem> {
    return this.schedules.update(principal, id, body);
  }

  @Delete(':scheduleId')
  @ApiOperation({ operationId: 'deleteSchedule', summary: 'Delete a scheduled agent (its runs are kept)' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduleDeleteResponse> {
    await this.schedules.delete(principal, id);
    return { success: true };
  }

  @Post(':scheduleId/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseSchedule', summary: 'Stop firing until resumed' })
  pause(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setEnabled(principal, id, false);
  }

  @Post(':scheduleId/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeSchedule', summary: 'Fire again from the next cron slot' })
  resume(@CurrentPrincipal() principal: Principal, @Param('scheduleId') id: string): Promise<ScheduledAgentItem> {
    return this.schedules.setEnabled(principal, id, true);
  }
}
