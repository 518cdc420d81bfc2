import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AmbientAgentConfig, ScheduleCreateParams, ScheduledAgentItem, ScheduleDeleteResponse, ScheduleListResponse, ScheduleUpdateParams } from '@oz/contract';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { CpAgentConfigDto } from './cp-run.dto';

/** The control plane's schedule shapes (the SDK's `agent.schedules.*`). */

class CpScheduleHistoryDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_ran!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while paused' }) next_run!: string | null;
}

class CpScheduleScopeDto {
  @ApiProperty({ enum: ['User', 'Team'] }) type!: 'User' | 'Team';
}

class CpScheduleEnvironmentDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() docker_image!: string;
  @ApiProperty({ type: [String] }) setup_commands!: string[];
}

export class CpScheduledAgentItemDto implements ScheduledAgentItem {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron, UTC' }) cron_schedule!: string;
  @ApiProperty() prompt!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: CpAgentConfigDto }) agent_config!: CpAgentConfigDto;
  @ApiProperty({ type: CpScheduleHistoryDto }) history!: CpScheduleHistoryDto;
  @ApiProperty({ type: String, nullable: true }) last_spawn_error!: string | null;
  @ApiProperty({ type: CpScheduleScopeDto }) scope!: CpScheduleScopeDto;
  @ApiPropertyOptional({ type: CpScheduleEnvironmentDto }) environment?: CpScheduleEnvironmentDto;
}

export class CpScheduleListDto implements ScheduleListResponse {
  @ApiProperty({ type: [CpScheduledAgentItemDto] }) schedules!: CpScheduledAgentItemDto[];
}

export class CpScheduleDeleteDto implements ScheduleDeleteResponse {
  @ApiProperty() success!: boolean;
}

/** `POST /api/cp/schedules`: passed on; the control plane checks the cron and every field. */
export class CpScheduleCreateDto implements ScheduleCreateParams {
  @ApiProperty({ maxLength: 200 }) @MaxLength(200) @IsString({ message: 'name must be a string' }) name!: string;
  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron, UTC' }) @MaxLength(200) @IsString({ message: 'cron_schedule must be a string' }) cron_schedule!: string;
  @ApiProperty({ maxLength: 200_000 }) @MaxLength(200_000) @IsString({ message: 'prompt must be a string' }) prompt!: string;
  @ApiPropertyOptional({ type: CpAgentConfigDto }) @IsOptional() @IsObject({ message: 'agent_config must be an object' }) agent_config?: AmbientAgentConfig;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() team?: boolean;
}

/** `PUT /api/cp/schedules/:id`: the whole schedule. */
export class CpScheduleUpdateDto implements ScheduleUpdateParams {
  @ApiProperty({ maxLength: 200 }) @MaxLength(200) @IsString({ message: 'name must be a string' }) name!: string;
  @ApiProperty({ description: '5-field cron, UTC' }) @MaxLength(200) @IsString({ message: 'cron_schedule must be a string' }) cron_schedule!: string;
  @ApiProperty({ maxLength: 200_000 }) @MaxLength(200_000) @IsString({ message: 'prompt must be a string' }) prompt!: string;
  @ApiProperty() @IsBoolean({ message: 'enabled must be true or false' }) enabled!: boolean;
  @ApiPropertyOptional({ type: CpAgentConfigDto }) @IsOptional() @IsObject({ message: 'agent_config must be an object' }) agent_config?: AmbientAgentConfig;
}
