import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

/** Accepts both spellings external harnesses use: `taskId`/`task_id`, `response`/`message`. */
export class AgentResponseDto {
  @ApiPropertyOptional({ format: 'uuid', description: "The agent run id (also accepted as task_id); with a run's room callback token, its run (the default) and no other" })
  @IsOptional()
  @IsString()
  taskId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsString()
  task_id?: string;

  @ApiPropertyOptional({ description: 'The reply (also accepted as message); non-text values are stored as JSON' })
  @IsOptional()
  response?: unknown;

  @ApiPropertyOptional()
  @IsOptional()
  message?: unknown;
}

export class AgentResponseResultDto {
  @ApiProperty({ enum: [true] }) success!: true;
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ description: 'True when this reply had already been delivered' }) duplicate!: boolean;
}
