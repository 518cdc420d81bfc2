import { ApiPropertyOptional } from '@nestjs/swagger';
import { ARTIFACT_TYPES, RUN_SOURCES, RUN_STATES, type ArtifactType, type RunSource, type RunState } from '@oz/contract';
import { Transform, Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

/** Query strings give strings; `a=1&a=2` gives an array. Normalise a repeatable parameter to an array. */
const ToArray = () => Transform(({ value }) => (value === undefined || value === '' ? undefined : [value].flat()));

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Query of `GET /agent/runs`: every filter the SDK sends. */
export class ListRunsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_PAGE_SIZE)
  @Min(1)
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;

  @ApiPropertyOptional({ description: 'page_info.next_cursor of the previous page' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ enum: RUN_STATES, isArray: true })
  @IsOptional()
  @ToArray()
  @IsIn(RUN_STATES, { each: true, message: `state must be one of ${RUN_STATES.join(', ')}` })
  state?: RunState[];

  @ApiPropertyOptional({ enum: RUN_SOURCES })
  @IsOptional()
  @IsIn(RUN_SOURCES, { message: `source must be one of ${RUN_SOURCES.join(', ')}` })
  source?: RunSource;

  @ApiPropertyOptional({ enum: ARTIFACT_TYPES })
  @IsOptional()
  @IsIn(ARTIFACT_TYPES, { message: `artifact_type must be one of ${ARTIFACT_TYPES.join(', ')}` })
  artifact_type?: ArtifactType;

  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() environment_id?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() model_id?: string;
  @ApiPropertyOptional({ description: 'config.name of the run' }) @IsOptional() @MaxLength(200) @IsString() name?: string;
  @ApiPropertyOptional({ description: 'Substring of title, prompt or skill spec' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  q?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID(undefined, { message: 'schedule_id must be a UUID' }) schedule_id?: string;
  @ApiPropertyOptional({ description: 'Alias of skill_spec' }) @IsOptional() @MaxLength(500) @IsString() skill?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() skill_spec?: string;
  @ApiPropertyOptional({ description: 'creator.uid' }) @IsOptional() @MaxLength(200) @IsString() creator?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'created_after must be an RFC 3339 timestamp' })
  created_after?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'created_before must be an RFC 3339 timestamp' })
  created_before?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'updated_after must be an RFC 3339 timestamp' })
  updated_after?: string;
}
