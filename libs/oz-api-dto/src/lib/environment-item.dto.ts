import { ApiProperty } from '@nestjs/swagger';
import { REDACTED_SECRET, type EnvironmentItem, type EnvironmentListResponse } from '@oz/contract';

export class EnvironmentItemDto implements EnvironmentItem {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'Alias of id, the name run configs use (config.environment_id)' }) environment_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'ubuntu:22.04' }) docker_image!: string;
  @ApiProperty({ type: [String] }) repos!: string[];
  @ApiProperty({ type: [String] }) setup_commands!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [REDACTED_SECRET] },
    description: `Every secret's name, each mapped to "${REDACTED_SECRET}": values are never shown`,
  })
  env_vars!: Record<string, string>;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds a task may run; null: the server default (OZ_TASK_TIMEOUT_SECONDS)' })
  task_timeout_seconds!: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class EnvironmentListResponseDto implements EnvironmentListResponse {
  @ApiProperty({ type: [EnvironmentItemDto] }) environments!: EnvironmentItemDto[];
}
