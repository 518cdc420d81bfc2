import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NotificationView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { AgentKeyRoute } from '../common/auth';
import { AgentNotificationDto } from './dto/agent-notification.dto';
import { NotificationViewDto } from './dto/notification-view.dto';
import { NotificationsService } from './notifications.service';

/** For agents running outside the workspace: `X-Agent-Key` only; the agent must be in the room. */
@ApiTags('internal agent routes')
@AgentKeyRoute()
@Controller('agent/notifications')
export class AgentNotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Post()
  @ApiOperation({ operationId: 'agentNotify', summary: "Put a notification in the room owner's inbox" })
  @ApiCreatedResponse({ type: NotificationViewDto })
  @ApiErrorResponses(400, 404)
  notify(@Body() body: AgentNotificationDto): Promise<NotificationView> {
    return this.notifications.fromAgent(body.room_id, body.agent_id, body.message);
  }
}
