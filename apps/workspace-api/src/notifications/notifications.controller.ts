import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { MarkReadDto } from './dto/mark-read.dto';
import { NotificationPageDto, NotificationViewDto, ReadAllResultDto } from './dto/notification-view.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@SessionRoute()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ operationId: 'listNotifications', summary: 'Your inbox, newest first, a page at a time (`before` = `next_cursor`), with the unread count' })
  @ApiOkResponse({ type: NotificationPageDto })
  @ApiErrorResponses(400)
  list(@CurrentUser() user: SessionUser, @Query() query: ListNotificationsQuery): Promise<NotificationPage> {
    return this.notifications.list(user.id, query.unread, query.limit, query.before);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ operationId: 'readAllNotifications', summary: 'Mark every notification read' })
  @ApiOkResponse({ type: ReadAllResultDto })
  async readAll(@CurrentUser() user: SessionUser): Promise<ReadAllResultDto> {
    return { updated: await this.notifications.readAll(user.id) };
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'markNotification', summary: 'Mark read or unread' })
  @ApiOkResponse({ type: NotificationViewDto })
  @ApiErrorResponses(400, 404)
  mark(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: MarkReadDto): Promise<NotificationView> {
    return this.notifications.setRead(user.id, id, body.read);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteNotification', summary: 'Delete a notification' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.notifications.delete(user.id, id);
  }
}
