import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { EventsQuery } from './dto/events.query';
import { EventsService, SSE_RESPONSE } from './events.service';

@ApiTags('events')
@SessionRoute()
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    operationId: 'roomEvents',
    summary: 'Live events of one of your rooms (SSE): message, message_delta, room, task, artifact, notification, heartbeat. Send Last-Event-ID to resume.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The `id:` of the last event received: the stream resumes after it' })
  @ApiOkResponse(SSE_RESPONSE)
  @ApiErrorResponses(400, 404, 429)
  stream(@CurrentUser() user: SessionUser, @Query() query: EventsQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.events.streamRoom(user.id, query.roomId, request, reply);
  }

  @Get('me')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    operationId: 'userEvents',
    summary:
      'Your own live channel (SSE): run, run_output, run_log (your control-plane runs), notification and rooms (from all your rooms), workers (the instance admin), heartbeat. Send Last-Event-ID to resume.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The `id:` of the last event received: the stream resumes after it' })
  @ApiOkResponse(SSE_RESPONSE)
  @ApiErrorResponses(429)
  mine(@CurrentUser() user: SessionUser, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.events.streamUser(user.id, request, reply);
  }
}
