import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ArtifactView, ItemList, MessagePage, TaskView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicRoute } from '../common/auth';
import { ArtifactListDto } from '../common/dto/artifact-view.dto';
import { MessagePageQuery } from '../common/dto/message-page.query';
import { MessagePageDto } from '../common/dto/message-view.dto';
import { TaskListDto } from '../common/dto/task-view.dto';
import { SSE_RESPONSE } from '../events/events.service';
import { type PublicRoom, PublicRoomDto } from './dto/public-room.dto';
import { PublicService } from './public.service';

/** Read-only views of a shared room, for anyone holding its link (`/share/<share_id>` in the dashboard). */
@ApiTags('public')
@PublicRoute()
@ApiErrorResponses(404)
@Controller('public/rooms/:shareId')
export class PublicController {
  constructor(private readonly shared: PublicService) {}

  @Get()
  @ApiOperation({ operationId: 'publicRoom', summary: 'A shared room' })
  @ApiOkResponse({ type: PublicRoomDto })
  room(@Param('shareId') shareId: string): Promise<PublicRoom> {
    return this.shared.room(shareId);
  }

  @Get('messages')
  @ApiOperation({ operationId: 'publicMessages', summary: "A shared room's history, paged like the private one" })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrorResponses(400)
  messagesOf(@Param('shareId') shareId: string, @Query() query: MessagePageQuery): Promise<MessagePage> {
    return this.shared.messagesOf(shareId, query);
  }

  @Get('tasks')
  @ApiOperation({ operationId: 'publicTasks', summary: "A shared room's board" })
  @ApiOkResponse({ type: TaskListDto })
  async tasksOf(@Param('shareId') shareId: string): Promise<ItemList<TaskView>> {
    return { items: await this.shared.tasksOf(shareId) };
  }

  @Get('artifacts')
  @ApiOperation({ operationId: 'publicArtifacts', summary: "A shared room's artifacts" })
  @ApiOkResponse({ type: ArtifactListDto })
  async artifactsOf(@Param('shareId') shareId: string): Promise<ItemList<ArtifactView>> {
    return { items: await this.shared.artifactsOf(shareId) };
  }

  @Get('events')
  @ApiProduces('text/event-stream')
  @ApiOperation({ operationId: 'publicEvents', summary: "A shared room's live events (SSE; no notifications); ends when the link is revoked" })
  @ApiOkResponse(SSE_RESPONSE)
  @ApiErrorResponses(429)
  stream(@Param('shareId') shareId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.shared.stream(shareId, request, reply);
  }
}
