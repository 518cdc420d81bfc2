import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REDACTED_SECRET, type EnvironmentParams } from '@oz/contract';
import { IsArray, IsInt, IsObject, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';

/** What the BFF's environment routes take (its answers are the control plane's `@oz/api-dto` shapes); secrets are write-only. */

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
