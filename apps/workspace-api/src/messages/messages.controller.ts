import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { MessageView } from '@oz/workspace-contract';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CurrentUser, type SessionUser } from '../common/auth';
import { RoomEvents } from '../events/room-events';
import { InvocationService } from '../invocation/invocation.service';
import { RoomsRepository } from '../rooms/rooms.repository';
import { agentRunView, type AgentRunView } from '../runs/agent-run';
import { MessagesRepository, type PagedMessages } from './messages.repository';
import { stringRequired } from '../common/validation-messages';

export class ListMessagesQuery {
  @ApiPropertyOptional({ description: '`next_cursor` of the previous page: messages older than it' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be a cursor returned as next_cursor' })
  before?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @Max(200)
  @Min(1)
  @IsInt({ message: 'limit must be a whole number' })
  limit?: number;
}

export class PostMessageDto {
  @ApiProperty({ description: 'Markdown; @Name mentions invoke the room\'s agents.' })
  @MaxLength(100_000)
  @Matches(/\S/, { message: 'content must not be blank' })
  @MinLength(1, { message: 'content must not be empty' })
  @IsString(stringRequired('content'))
  content!: string;
}

export interface PostedMessage {
  message: MessageView;
  /** The agent runs the message started (its @mentions). */
  runs: AgentRunView[];
  /** True when the room is paused, so mentions invoked nobody. */
  paused: boolean;
}

@ApiTags('messages')
@Controller('rooms/:roomId/messages')
export class MessagesController {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly events: RoomEvents,
    private readonly invocation: InvocationService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listMessages', summary: 'History, a page at a time (newest page first; each page oldest first)' })
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Query() query: ListMessagesQuery): Promise<PagedMessages> {
    const room = await this.rooms.require(user.id, roomId);
    return this.messages.page(room.id, query.before ?? null, query.limit ?? 50);
  }

  @Post()
  @ApiOperation({ operationId: 'postMessage', summary: 'Say something; agents it @mentions reply (streamed as events)' })
  async post(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: PostMessageDto): Promise<PostedMessage> {
    const room = await this.rooms.require(user.id, roomId);
    // Always a person's message: agents' replies come only from their runs, so none can be forged here.
    const message = await this.messages.insertHuman(room.id, body.content);
    await this.events.emit(room.id, 'message', message);
    const runs = await this.invocation.onHumanMessage(room, user.id, message);
    return { message, runs: runs.map(agentRunView), paused: room.paused };
  }
}
