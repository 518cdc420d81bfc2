import { ApiProperty } from '@nestjs/swagger';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { AgentSummaryDto } from '../../common/dto/agent-summary.dto';

export class NotificationViewDto implements NotificationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) room_id!: string;
  @ApiProperty() room_name!: string;
  @ApiProperty({ type: AgentSummaryDto, nullable: true, description: 'The agent that sent it (null once deleted)' }) agent!: AgentSummaryDto | null;
  @ApiProperty() message!: string;
  @ApiProperty() read!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class NotificationPageDto implements NotificationPage {
  @ApiProperty({ type: [NotificationViewDto], description: 'Newest first' }) items!: NotificationViewDto[];
  @ApiProperty({ description: 'Unread notifications in the whole inbox' }) unread_count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next (older) page; null when there is none' }) next_cursor!: string | null;
}

export class ReadAllResultDto {
  @ApiProperty({ description: 'How many were unread' }) updated!: number;
}
