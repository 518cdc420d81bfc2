import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { RoomEventData } from '@oz/workspace-contract';
import { IsString } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, type SessionUser } from '../common/auth';
import { RoomsRepository } from '../rooms/rooms.repository';
import { EventsService } from './events.service';
import { stringRequired } from '../common/validation-messages';

export class EventsQuery {
  @ApiProperty()
  @IsString(stringRequired('roomId'))
  roomId!: string;
}

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly events: EventsService,
  ) {}

  @Get()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    operationId: 'roomEvents',
    summary: "Live events of one of your rooms (SSE): message, message_delta, room, task, artifact, notification, heartbeat. Send Last-Event-ID to resume.",
  })
  async stream(@CurrentUser() user: SessionUser, @Query() query: EventsQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const room = await this.rooms.require(user.id, query.roomId);
    // The room's deletion is the stream's last event.
    await this.events.stream(request, reply, room.id, (event) =>
      event.type === 'room' && 'deleted' in (JSON.parse(event.json) as RoomEventData['room']) ? { send: true, thenClose: true } : { send: true },
    );
  }
}
