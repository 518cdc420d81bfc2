import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ScheduledAgentItem, ScheduleListResponse } from '@oz/contract';
import { AgentConfigDto } from './agent-config.dto';

class ScheduleHistoryDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_ran!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while paused' }) next_run!: string | null;
}

class ScheduleScopeDto {
  @ApiProperty({ enum: ['User', 'Team'] }) type!: 'User' | 'Team';
}

class ScheduleEnvironmentDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() docker_image!: string;
  @ApiProperty({ type: [String] }) setup_commands!: string[];
}

export class ScheduledAgentItemDto implements ScheduledAgentItem {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron, UTC' }) cron_schedule!: string;
  @ApiProperty() prompt!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: AgentConfigDto }) agent_config!: AgentConfigDto;
  @ApiProperty({ type: ScheduleHistoryDto }) history!: ScheduleHistoryDto;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last firing could not create its run' }) last_spawn_error!: string | null;
  @ApiProperty({ type: ScheduleScopeDto }) scope!: ScheduleScopeDto;
  @ApiPropertyOptional({ type: ScheduleEnvironmentDto, description: "The environment of agent_config.environment_id, when it names one the caller can see" })
  environment?: ScheduleEnvironmentDto;
}

export class ScheduleListResponseDto implements ScheduleListResponse {
  @ApiProperty({ type: [ScheduledAgentItemDto] }) schedules!: ScheduledAgentItemDto[];
}
