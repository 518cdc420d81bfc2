import { Injectable } from '@nestjs/common';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { actingAgent, requiredField } from '../common/agent-caller';
import type { AgentCaller } from '../common/auth';
import { DEFAULT_PAGE_LIMIT } from '../common/dto/page-limit';
import { notFound } from '../common/not-found';
import { parsePageCursor } from '../common/page-cursor';
import { RoomEvents } from '../events/room-events';
import { RoomsService } from '../rooms/rooms.service';
import { NotificationsRepository } from './notifications.repository';

/** Each user's inbox: agents put notifications in it (agent-key route); only its owner reads or changes it. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly rooms: RoomsService,
    private readonly events: RoomEvents,
  ) {}

  /** A page of the inbox, newest first; `before` is the previous page's `next_cursor`. */
  list(userId: string, unreadOnly = false, limit = DEFAULT_PAGE_LIMIT, before?: string): Promise<NotificationPage> {
    return this.notifications.list(userId, unreadOnly, limit, parsePageCursor(before));
  }

  readAll(userId: string): Promise<number> {
    return this.notifications.readAll(userId);
  }

  async setRead(userId: string, id: string, read: boolean): Promise<NotificationView> {
    await this.requireOwn(userId, id);
    const notification = await this.notifications.setRead(id, read);
    if (!notification) throw notFound('Notification', id);
    return notification;
  }

  async delete(userId: string, id: string): Promise<void> {
    await this.requireOwn(userId, id);
    if (!(await this.notifications.delete(id))) throw notFound('Notification', id);
  }

  /** An agent of the room tells the room's owner something (with a room callback token: its run's agent, in its room). */
  async fromAgent(caller: AgentCaller, roomId: string | undefined, agentIdSent: string | undefined, message: string): Promise<NotificationView> {
    const room = await this.rooms.forAgent(caller, roomId, 'room_id', 'room_id must be a room id');
    const agentId = actingAgent(caller, agentIdSent, 'agent_id');
    if (!agentId) throw requiredField('agent_id', 'agent_id must be an agent id');
    if (!(await this.rooms.hasMember(room.id, agentId))) throw notFound('Agent', `${agentId} in room ${room.id}`);
    const notification = await this.notifications.create(room.user_id, room.id, agentId, message);
    await this.events.emit(room.id, 'notification', notification, room.user_id);
    return notification;
  }

  private async requireOwn(userId: string, id: string): Promise<void> {
    if ((await this.notifications.ownerOf(id)) !== userId) throw notFound('Notification', id);
  }
}
