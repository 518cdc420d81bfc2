import { Injectable } from '@nestjs/common';
import type { ArtifactView, MessagePage, RoomView, TaskView } from '@oz/workspace-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ArtifactsService } from '../artifacts/artifacts.service';
import type { MessagePageQuery } from '../common/dto/message-page.query';
import { type EventFilter, EventsService } from '../events/events.service';
import { MessagesService } from '../messages/messages.service';
import { RoomsService } from '../rooms/rooms.service';
import { TasksService } from '../tasks/tasks.service';
import type { PublicRoom } from './dto/public-room.dto';

/** The events a public viewer receives: no notifications (they are the owner's inbox). */
const PUBLIC_EVENTS = new Set(['message', 'message_delta', 'room', 'task', 'artifact']);

/**
 * Read-only views of a shared room, for anyone holding its link. The link is checked on every request,
 * and open event streams end as soon as the room is unshared, re-shared under a new link or deleted.
 */
@Injectable()
export class PublicService {
  constructor(
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    private readonly tasks: TasksService,
    private readonly artifacts: ArtifactsService,
    private readonly events: EventsService,
  ) {}

  async room(shareId: string): Promise<PublicRoom> {
    return publicRoom(await this.rooms.view(await this.rooms.shared(shareId)));
  }

  async messagesOf(shareId: string, query: MessagePageQuery): Promise<MessagePage> {
    return this.messages.pageOf((await this.rooms.shared(shareId)).id, query);
  }

  async tasksOf(shareId: string): Promise<TaskView[]> {
    return this.tasks.listOf((await this.rooms.shared(shareId)).id);
  }

  async artifactsOf(shareId: string): Promise<ArtifactView[]> {
    return this.artifacts.listOf((await this.rooms.shared(shareId)).id);
  }

  async stream(shareId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const room = await this.rooms.shared(shareId);
    const filter: EventFilter = (event) => {
      if (!PUBLIC_EVENTS.has(event.type)) return { send: false };
      if (event.type !== 'room') return { send: true };
      const data = JSON.parse(event.json) as RoomView | { deleted: true };
      if ('deleted' in data || data.share_id !== shareId) return { send: false, close: true };
      return { send: true, json: JSON.stringify(publicRoom(data)) };
    };
    // Counted against the link's and the address's stream caps.
    await this.events.stream(request, reply, room.id, filter, { shareId });
  }
}

function publicRoom(room: RoomView): PublicRoom {
  return { id: room.id, name: room.name, description: room.description, agents: room.agents, created_at: room.created_at, updated_at: room.updated_at };
}
