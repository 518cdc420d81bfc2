import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ArtifactView, RoomView, TaskView } from '@oz/workspace-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ArtifactsRepository } from '../artifacts/artifacts.repository';
import { PublicRoute } from '../common/auth';
import { notFound } from '../common/ids';
import { EventsService } from '../events/events.service';
import { ListMessagesQuery } from '../messages/messages.controller';
import { MessagesRepository, type PagedMessages } from '../messages/messages.repository';
import { RoomAnnouncer } from '../rooms/room-announcer';
import type { RoomRow } from '../rooms/room.view';
import { RoomsRepository } from '../rooms/rooms.repository';
import { TasksRepository } from '../tasks/tasks.repository';

/** What a public viewer sees of a room: no share id, no pause switch, nothing about its owner. */
type PublicRoom = Omit<RoomView, 'share_id' | 'paused'>;

const PUBLIC_EVENTS = new Set(['message', 'message_delta', 'room', 'task', 'artifact']);

/**
 * Read-only views of a shared room, for anyone holding its link. The link is checked on every request,
 * and open event streams end as soon as the room is unshared, re-shared under a new link or deleted.
 */
@ApiTags('public')
@PublicRoute()
@Controller('public/rooms/:shareId')
export class PublicController {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly tasks: TasksRepository,
    private readonly artifacts: ArtifactsRepository,
    private readonly events: EventsService,
    private readonly announcer: RoomAnnouncer,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'publicRoom', summary: 'A shared room' })
  async room(@Param('shareId') shareId: string): Promise<PublicRoom> {
    const room = await this.shared(shareId);
    return publicRoom(await this.announcer.view(room));
  }

  @Get('messages')
  @ApiOperation({ operationId: 'publicMessages', summary: "A shared room's history, paged like the private one" })
  async messagesOf(@Param('shareId') shareId: string, @Query() query: ListMessagesQuery): Promise<PagedMessages> {
    const room = await this.shared(shareId);
    return this.messages.page(room.id, query.before ?? null, query.limit ?? 50);
  }

  @Get('tasks')
  @ApiOperation({ operationId: 'publicTasks', summary: "A shared room's board" })
  async tasksOf(@Param('shareId') shareId: string): Promise<{ items: TaskView[] }> {
    return { items: await this.tasks.list((await this.shared(shareId)).id) };
  }

  @Get('artifacts')
  @ApiOperation({ operationId: 'publicArtifacts', summary: "A shared room's artifacts" })
  async artifactsOf(@Param('shareId') shareId: string): Promise<{ items: ArtifactView[] }> {
    return { items: await this.artifacts.list((await this.shared(shareId)).id) };
  }

  @Get('events')
  @ApiProduces('text/event-stream')
  @ApiOperation({ operationId: 'publicEvents', summary: "A shared room's live events (SSE; no notifications); ends when the link is revoked" })
  async stream(@Param('shareId') shareId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const room = await this.shared(shareId);
    await this.events.stream(request, reply, room.id, (event) => {
      if (!PUBLIC_EVENTS.has(event.type)) return { send: false };
      if (event.type !== 'room') return { send: true };
      const data = JSON.parse(event.json) as RoomView | { deleted: true };
      if ('deleted' in data || data.share_id !== shareId) return { send: false, close: true };
      return { send: true, json: JSON.stringify(publicRoom(data)) };
    });
  }

  private async shared(shareId: string): Promise<RoomRow> {
    const room = await this.rooms.byShareId(shareId);
    if (!room) throw notFound('Shared room', shareId);
    return room;
  }
}

function publicRoom(room: RoomView): PublicRoom {
  return { id: room.id, name: room.name, description: room.description, agents: room.agents, created_at: room.created_at, updated_at: room.updated_at };
}
