import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { NotificationView } from '@oz/workspace-contract';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CurrentUser, type SessionUser } from '../common/auth';
import { notFound } from '../common/ids';
import { NotificationsRepository } from './notifications.repository';

export class ListNotificationsQuery {
  @ApiPropertyOptional({ description: 'Only unread ones' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @Max(200)
  @Min(1)
  @IsInt({ message: 'limit must be a whole number' })
  limit?: number;
}

export class MarkReadDto {
  @ApiProperty()
  @IsBoolean({ message: 'read must be true or false' })
  read!: boolean;
}

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsRepository) {}

  @Get()
  @ApiOperation({ operationId: 'listNotifications', summary: 'Your inbox, newest first, with the unread count' })
  list(@CurrentUser() user: SessionUser, @Query() query: ListNotificationsQuery): Promise<{ items: NotificationView[]; unread_count: number }> {
    return this.notifications.list(user.id, query.unread ?? false, query.limit ?? 50);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ operationId: 'readAllNotifications', summary: 'Mark every notification read' })
  async readAll(@CurrentUser() user: SessionUser): Promise<{ updated: number }> {
    return { updated: await this.notifications.readAll(user.id) };
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'markNotification', summary: 'Mark read or unread' })
  async mark(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: MarkReadDto): Promise<NotificationView> {
    const notification = await this.notifications.setRead(user.id, id, body.read);
    if (!notification) throw notFound('Notification', id);
    return notification;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteNotification', summary: 'Delete a notification' })
  async delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    if (!(await this.notifications.delete(user.id, id))) throw notFound('Notification', id);
  }
}
