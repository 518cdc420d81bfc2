import { ApiProperty } from '@nestjs/swagger';
import type { PostedMessage } from '@oz/workspace-contract';
import { AgentRunViewDto } from '../../common/dto/agent-run-view.dto';
import { MessageViewDto } from '../../common/dto/message-view.dto';

export class PostedMessageDto implements PostedMessage {
  @ApiProperty({ type: MessageViewDto }) message!: MessageViewDto;
  @ApiProperty({ type: [AgentRunViewDto], description: 'The agent runs the message started (its @mentions)' }) runs!: AgentRunViewDto[];
  @ApiProperty({ description: 'True when the room is paused, so mentions invoked nobody' }) paused!: boolean;
}
