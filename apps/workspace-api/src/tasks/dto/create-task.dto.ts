import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskInput, type TaskPriority, type TaskStatus } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { trimmed } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class CreateTaskDto implements TaskInput {
  @ApiProperty({ maxLength: 300 })
  @Transform(trimmed)
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString(stringRequired('title'))
  title!: string;

  @ApiPropertyOptional({ maxLength: 20_000 })
  @IsOptional()
  @MaxLength(20_000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES, default: 'backlog' })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: 'status must be one of: backlog, in_progress, done' })
  status?: TaskStatus;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES, default: 'medium' })
  @IsOptional()
  @IsIn(TASK_PRIORITIES, { message: 'priority must be one of: low, medium, high' })
  priority?: TaskPriority;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'An agent of the room; null to leave unassigned.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'assignee_id must be an agent id' })
  assignee_id?: string | null;
}
