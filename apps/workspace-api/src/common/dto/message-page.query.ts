import { ApiPropertyOptional } from '@nestjs/swagger';
import type { MessagePageQuery as MessagePageInput } from '@oz/workspace-contract';
import { IsOptional, Matches } from 'class-validator';
import { PageLimit } from './page-limit';

/** A page of a room's history, for its members and for viewers of its share link alike. */
export class MessagePageQuery implements MessagePageInput {
  @ApiPropertyOptional({ description: '`next_cursor` of the previous page: messages older than it' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be a cursor returned as next_cursor' })
  before?: string;

  @PageLimit()
  limit?: number;
}
