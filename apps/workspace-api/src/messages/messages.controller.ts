import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { MessagePage, PostedMessage } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { MessagePageQuery } from '../common/dto/message-page.query';
import { MessagePageDto } from '../common/dto/message-view.dto';
import { PostMessageDto } from './dto/post-message.dto';
import { PostedMessageDto } from './dto/posted-message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@SessionRoute()
@Controller('rooms/:roomId/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({ operationId: 'listMessages', summary: 'History, a page at a time (newest page first; each page oldest first)' })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiErrorResponses(400, 404)
  list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Query() query: MessagePageQuery): Promise<MessagePage> {
    return this.messages.page(user.id, roomId, query);
  }

  @Post()
  @ApiOperation({ operationId: 'postMessage', summary: 'Say something; agents it @mentions reply (streamed as events)' })
  @ApiCreatedResponse({ type: PostedMessageDto })
  @ApiErrorResponses(400, 404, 429)
  post(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: PostMessageDto): Promise<PostedMessage> {
    return this.messages.post(user.id, roomId, body.content);
  }
}
