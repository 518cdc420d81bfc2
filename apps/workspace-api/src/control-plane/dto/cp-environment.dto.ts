import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REDACTED_SECRET, type EnvironmentItem, type EnvironmentListResponse, type EnvironmentParams } from '@oz/contract';
import { IsArray, IsInt, IsObject, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';

/** The control plane's environment shapes; secrets are write-only and always come back as "<redacted>". */

export class CpEnvironmentItemDto implements EnvironmentItem {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'Alias of id, what run configs name (config.environment_id)' }) environment_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() docker_image!: string;
  @ApiProperty({ type: [String] }) repos!: string[];
  @ApiProperty({ type: [String] }) setup_commands!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [REDACTED_SECRET] },
    description: `Every secret's name, each mapped to "${REDACTED_SECRET}": values are never shown`,
  })
  env_vars!: Record<string, string>;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Seconds a task may run; null: the server default' }) task_timeout_seconds?: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class CpEnvironmentListDto implements EnvironmentListResponse {
  @ApiProperty({ type: [CpEnvironmentItemDto] }) environments!: CpEnvironmentItemDto[];
}

/** `POST /api/cp/environments`, `PUT /api/cp/environments/:id`: passed on; the control plane checks each field. */
export class CpEnvironmentDto implements EnvironmentParams {
  @ApiProperty({ maxLength: 100 }) @MaxLength(100) @IsString({ message: 'name must be a string' }) name!: string;
  @ApiProperty({ example: 'node:22' }) @MaxLength(500) @IsString({ message: 'docker_image must be a string' }) docker_image!: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @MaxLength(1000)
  @IsString()
  description?: string | null;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsString({ each: true }) @IsArray() repos?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsString({ each: true }) @IsArray() setup_commands?: string[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: `Secrets for the task container. On PUT, a value "${REDACTED_SECRET}" keeps that secret and a name left out deletes it.`,
  })
  @IsOptional()
  @IsObject({ message: 'env_vars must be an object of names to values' })
  env_vars?: Record<string, string>;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, description: 'Seconds a task may run; null: the server default' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt({ message: 'task_timeout_seconds must be a whole number of seconds' })
  task_timeout_seconds?: number | null;
}
