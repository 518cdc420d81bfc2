import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RunLogsQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'Lines after this id (the id of the last line already read)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}

export class RunLogStreamQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'Start after this line id (Last-Event-ID wins when both are sent)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

class RunLogLineDto {
  @ApiProperty() id!: number;
  @ApiProperty() line!: string;
  @ApiProperty({ format: 'date-time' }) logged_at!: string;
}

export class RunLogsResponseDto {
  @ApiProperty({ type: [RunLogLineDto] }) lines!: RunLogLineDto[];
  @ApiProperty({ description: 'Pass as `after` to read on' }) next_after!: number;
}
