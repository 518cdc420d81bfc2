import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REDACTED_SECRET } from '@oz/contract';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsStringMap } from '../../common/http/validators';

const ONE_LINE = /^[^\r\n\0]*$/;
/** A week: longer than any task should take, short enough to catch one that hangs. */
const MAX_TASK_TIMEOUT_SECONDS = 7 * 24 * 3600;

/**
 * Body of `POST /environments` and `PUT /environments/:id` (PUT replaces every field it is given).
 *
 * Decorators run bottom-up and the validation pipe stops at a property's first error, so the type
 * check sits closest to each property: `name: 5` must say "must be a string", not "must not be blank".
 */
export class EnvironmentDto {
  @ApiProperty({ maxLength: 100 })
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(100)
  @MinLength(1)
  @IsString()
  name!: string;

  @ApiProperty({ example: 'ubuntu:22.04' })
  @Matches(/^[^\s]+$/, { message: 'docker_image must be an image reference without spaces' })
  @MaxLength(500)
  @MinLength(1)
  @IsString()
  docker_image!: string;

  @ApiPropertyOptional({ maxLength: 1000, nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @MaxLength(1000)
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Repositories to clone: owner/repo or a git URL' })
  @IsOptional()
  @Matches(ONE_LINE, { each: true, message: 'each repo must be one line' })
  @MaxLength(1000, { each: true })
  @MinLength(1, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(50)
  @IsArray()
  repos?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Shell commands run in order before the agent' })
  @IsOptional()
  @Matches(ONE_LINE, { each: true, message: 'each setup command must be one line; split it into several commands' })
  @MaxLength(10_000, { each: true })
  @MinLength(1, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(100)
  @IsArray()
  setup_commands?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: `Secrets for the task container. On PUT, omit to keep them all, or send "${REDACTED_SECRET}" as a value to keep that one.`,
  })
  @IsOptional()
  @IsStringMap(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'that are shell variable names (letters, digits, _)', {
    maxEntries: 100,
    maxValueLength: 32_768,
    forbidNewlines: true,
  })
  env_vars?: Record<string, string>;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_TASK_TIMEOUT_SECONDS,
    description: 'Seconds a task may run before it is stopped and its run fails (task_timeout); null or omitted: the server default (OZ_TASK_TIMEOUT_SECONDS)',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Max(MAX_TASK_TIMEOUT_SECONDS)
  @Min(1)
  @IsInt()
  task_timeout_seconds?: number | null;
}
