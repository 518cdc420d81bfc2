import { ApiProperty } from '@nestjs/swagger';
import type { NotificationUpdate } from '@oz/workspace-contract';
import { IsBoolean } from 'class-validator';

export class MarkReadDto implements NotificationUpdate {
  @ApiProperty()
  @IsBoolean({ message: 'read must be true or false' })
  read!: boolean;
}
