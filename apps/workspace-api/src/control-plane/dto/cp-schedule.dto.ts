import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AmbientAgentConfig, ScheduleCreateParams, ScheduleDeleteResponse, ScheduleUpdateParams } from '@oz/contract';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { AgentConfigDto } from '@oz/api-dto';

/** What the BFF's schedule routes take and answer beyond the control plane's own shapes (`@oz/api-dto`). */

export class CpScheduleDeleteDto implements ScheduleDeleteResponse {
  @ApiProperty() success!: boolean;
}

/** `POST /api/cp/schedules`: passed on; the control plane checks the cron and every field. */
export class CpScheduleCreateDto implements ScheduleCreateParams {
  @ApiProperty({ maxLength: 200 }) @MaxLength(200) @IsString({ message: 'name must be a string' }) name!: string;
  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron, UTC' }) @MaxLength(200) @IsString({ message: 'cron_schedule must be a string' }) cron_schedule!: string;
  @ApiProperty({ maxLength: 200_000 }) @MaxLength(200_000) @IsString({ message: 'prompt must be a string' }) prompt!: string;
  @ApiPropertyOptional({ type: AgentConfigDto }) @IsOptional() @IsObject({ message: 'agent_config must be an object' }) agent_config?: AmbientAgentConfig;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() team?: boolean;
}

/** `PUT /api/cp/schedules/:id`: the whole schedule. */
export class CpScheduleUpdateDto implements ScheduleUpdateParams {
  @ApiProperty({ maxLength: 200 }) @MaxLength(200) @IsString({ message: 'name must be a string' }) name!: string;
  @ApiProperty({ description: '5-field cron, UTC' }) @MaxLength(200) @IsString({ message: 'cron_schedule must be a string' }) cron_schedule!: string;
  @ApiProperty({ maxLength: 200_000 }) @MaxLength(200_000) @IsString({ message: 'prompt must be a string' }) prompt!: string;
  @ApiProperty() @IsBoolean({ message: 'enabled must be true or false' }) enabled!: boolean;
  @ApiPropertyOptional({ type: AgentConfigDto }) @IsOptional() @IsObject({ message: 'agent_config must be an object' }) agent_config?: AmbientAgentConfig;
}
