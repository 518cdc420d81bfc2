import { ApiProperty } from '@nestjs/swagger';
import type { ScheduleDeleteResponse } from '@oz/contract';

/** What a DELETE answers. */
export class SuccessDto implements ScheduleDeleteResponse {
  @ApiProperty({ example: true }) success!: boolean;
}
