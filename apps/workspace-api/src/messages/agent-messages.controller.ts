import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PostedMessage } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { type AgentCaller, AgentKeyRoute, CurrentAgentCaller } from '../common/auth';
import { AgentMessageDto } from './dto/agent-message.dto';
import { PostedMessageDto } from './dto/posted-message.dto';
import { MessagesService } from './messages.service';

/**
 * For agents running outside the workspace: a message in the room, as the agent, while it works.
 * `X-Agent-Key` (the agent must be in the room), or a run's room callback token (its room, as its agent).
 */
@ApiTags('internal agent routes')
@AgentKeyRoute()
@Controller('agent/messages')
export class AgentMessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiOperation({ operationId: 'agentPostMessage', summary: 'Post a message to a room as an agent' })
  @ApiCreatedResponse({ type: PostedMessageDto })
  @ApiErrorResponses(400, 404)
  post(@CurrentAgentCaller() caller: AgentCaller, @Body() body: AgentMessageDto): Promise<PostedMessage> {
    return this.messages.postFromAgent(caller, body.room_id, body.agent_id, body.content);
  }
}
