import { ApiPropertyOptional } from '@nestjs/swagger';
import type { NotificationQuery } from '@oz/workspace-contract';
import { toBoolean } from '@oz/server-kit';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageLimit } from '../../common/dto/page-limit';
import { BeforeCursor } from '../../common/page-cursor';

export class ListNotificationsQuery implements NotificationQuery {
  @ApiPropertyOptional({ description: 'Only unread ones (true/false)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;

  @BeforeCursor()
  before?: string;

  @PageLimit()
  limit?: number;
}
