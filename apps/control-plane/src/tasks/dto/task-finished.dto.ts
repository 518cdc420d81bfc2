import { ApiProperty } from '@nestjs/swagger';
import type { TaskFinishedReport } from '@oz/contract';
import { IsInt, Max, Min } from 'class-validator';

/** Body of `POST /agent/runs/:runId/task/finished`. */
export class TaskFinishedDto implements TaskFinishedReport {
  @ApiProperty({ minimum: 0, maximum: 255, description: 'The task’s exit code: 0 ends the run SUCCEEDED, anything else FAILED' })
  @Max(255)
  @Min(0)
  @IsInt()
  exit_code!: number;
}
