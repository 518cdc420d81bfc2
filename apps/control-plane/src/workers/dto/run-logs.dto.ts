import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RunLogsQueryDto {
  /** Lines after this id (the `id` of the last line already read). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}

export interface RunLogsResponse {
  lines: Array<{ id: number; line: string; logged_at: string }>;
  /** Pass as `after` to read on. */
  next_after: number;
}
