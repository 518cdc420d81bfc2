import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { stringRequired } from '../common/validation-messages';

export const TASK_STATUSES = ['backlog', 'in_progress', 'done'] as const;
export const TASK_PRIORITIES = ['low', 'medium', 'high'] as const;
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateTaskDto {
  @ApiProperty()
  @Transform(trimmed)
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString(stringRequired('title'))
  title!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(20_000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES, default: 'backlog' })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: 'status must be one of: backlog, in_progress, done' })
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({ enum: TASK_PRIORITIES, default: 'medium' })
  @IsOptional()
  @IsIn(TASK_PRIORITIES, { message: 'priority must be one of: low, medium, high' })
  priority?: (typeof TASK_PRIORITIES)[number];

  @ApiPropertyOptional({ description: 'An agent of the room; null to leave unassigned.', nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'assignee_id must be an agent id' })
  assignee_id?: string | null;
}

export class UpdateTaskDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trimmed)
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString()
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(20_000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: 'status must be one of: backlog, in_progress, done' })
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({ enum: TASK_PRIORITIES })
  @IsOptional()
  @IsIn(TASK_PRIORITIES, { message: 'priority must be one of: low, medium, high' })
  priority?: (typeof TASK_PRIORITIES)[number];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'assignee_id must be an agent id' })
  assignee_id?: string | null;

  @ApiPropertyOptional({ description: 'New place in its (new) status column, from 0; past the end means last.' })
  @IsOptional()
  @Max(100_000)
  @Min(0)
  @IsInt({ message: 'position must be a whole number' })
  position?: number;
}

/** What an external agent may send: the same as a person, plus who created it. */
export class AgentCreateTaskDto extends CreateTaskDto {
  @ApiProperty()
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id!: string;

  @ApiPropertyOptional({ description: 'The agent creating the task (must be in the room).' })
  @IsOptional()
  @IsUUID('all', { message: 'created_by must be an agent id' })
  created_by?: string;
}
