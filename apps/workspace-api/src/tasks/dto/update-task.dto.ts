import { ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus, type TaskUpdate } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { trimmed } from '../../common/transforms';

export class UpdateTaskDto implements TaskUpdate {
  @ApiPropertyOptional({ maxLength: 300 })
  @IsOptional()
  @Transform(trimmed)
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString()
  title?: string;

  @ApiPropertyOptional({ maxLength: 20_000 })
  @IsOptional()
  @MaxLength(20_000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: 'status must be one of: backlog, in_progress, done' })
  status?: TaskStatus;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES })
  @IsOptional()
  @IsIn(TASK_PRIORITIES, { message: 'priority must be one of: low, medium, high' })
  priority?: TaskPriority;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'An agent of the room; null unassigns.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'assignee_id must be an agent id' })
  assignee_id?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 100_000, description: 'New place in its (new) status column, from 0; past the end means last.' })
  @IsOptional()
  @Max(100_000)
  @Min(0)
  @IsInt({ message: 'position must be a whole number' })
  position?: number;
}
