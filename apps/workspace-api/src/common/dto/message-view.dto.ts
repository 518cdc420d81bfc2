import { ApiProperty } from '@nestjs/swagger';
import type { MessagePage, MessageStatus, MessageView } from '@oz/workspace-contract';
import { AgentSummaryDto } from './agent-summary.dto';

const MESSAGE_STATUSES: MessageStatus[] = ['complete', 'streaming', 'error', 'cancelled'];

export class MessageViewDto implements MessageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) room_id!: string;
  @ApiProperty({ enum: ['human', 'agent'] }) author_type!: 'human' | 'agent';
  @ApiProperty({ type: AgentSummaryDto, nullable: true, description: 'The agent that wrote it (null for people, and for agents deleted since)' })
  agent!: AgentSummaryDto | null;
  @ApiProperty({ description: 'Markdown' }) content!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES, description: 'streaming while an agent writes it (see message_delta events)' }) status!: MessageStatus;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "The agent run that produced an agent's reply" }) run_id!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class MessagePageDto implements MessagePage {
  @ApiProperty({ type: [MessageViewDto], description: 'Oldest first' }) items!: MessageViewDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the older page; null at the start of the room' })
  next_cursor!: string | null;
}
