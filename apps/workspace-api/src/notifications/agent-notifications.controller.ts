import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NotificationView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { type AgentCaller, AgentKeyRoute, CurrentAgentCaller } from '../common/auth';
import { AgentNotificationDto } from './dto/agent-notification.dto';
import { NotificationViewDto } from './dto/notification-view.dto';
import { NotificationsService } from './notifications.service';

/**
 * For agents running outside the workspace: `X-Agent-Key` (the agent must be in the room), or a run's
 * room callback token (its room, as its agent).
 */
@ApiTags('internal agent routes')
@AgentKeyRoute()
@Controller('agent/notifications')
export class AgentNotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @ApiOperation({ operationId: 'agentNotify', summary: "Put a notification in the room owner's inbox" })
  @ApiCreatedResponse({ type: NotificationViewDto })
  @ApiErrorResponses(400, 404)
  notify(@CurrentAgentCaller() caller: AgentCaller, @Body() body: AgentNotificationDto): Promise<NotificationView> {
    return this.notifications.fromAgent(caller, body.room_id, body.agent_id, body.message);
  }
}
