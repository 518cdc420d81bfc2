import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ItemList, RoomView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { RoomViewDto } from '../common/dto/room-view.dto';
import { CreateRoomDto } from './dto/create-room.dto';
import { RoomListDto } from './dto/room-list.dto';
import { UpdateRoomDto } from './dto/update-room.dto';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@SessionRoute()
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRooms', summary: 'Your rooms, oldest first, with their agents' })
  @ApiOkResponse({ type: RoomListDto })
  async list(@CurrentUser() user: SessionUser): Promise<ItemList<RoomView>> {
    return { items: await this.rooms.list(user.id) };
  }

  @Post()
  @ApiOperation({ operationId: 'createRoom', summary: 'Create a room, optionally with some of your agents' })
  @ApiCreatedResponse({ type: RoomViewDto })
  @ApiErrorResponses(400, 404)
  create(@CurrentUser() user: SessionUser, @Body() body: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRoom', summary: 'A room with its agents and their status in it' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.get(user.id, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateRoom', summary: 'Rename, describe, or replace the agents' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(400, 404)
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateRoomDto): Promise<RoomView> {
    return this.rooms.update(user.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteRoom', summary: 'Delete a room and everything in it (replies in progress stop)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.rooms.delete(user.id, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseRoom', summary: 'Stop agent invocations (and the replies in progress)' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  pause(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.setPaused(user.id, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeRoom', summary: 'Allow agent invocations again' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  resume(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.setPaused(user.id, id, false);
  }

  @Put(':id/agents/:agentId')
  @ApiOperation({ operationId: 'addRoomAgent', summary: 'Add one of your agents to the room' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  addAgent(@CurrentUser() user: SessionUser, @Param('id') id: string, @Param('agentId') agentId: string): Promise<RoomView> {
    return this.rooms.addAgent(user.id, id, agentId);
  }

  @Delete(':id/agents/:agentId')
  @ApiOperation({ operationId: 'removeRoomAgent', summary: 'Remove an agent from the room' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  removeAgent(@CurrentUser() user: SessionUser, @Param('id') id: string, @Param('agentId') agentId: string): Promise<RoomView> {
    return this.rooms.removeAgent(user.id, id, agentId);
  }

  @Post(':id/share')
  @HttpCode(200)
  @ApiOperation({ operationId: 'shareRoom', summary: 'Create (or return) the public read-only link: /share/<share_id>' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  share(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.share(user.id, id);
  }

  @Delete(':id/share')
  @ApiOperation({ operationId: 'unshareRoom', summary: 'Revoke the public link; open public streams end' })
  @ApiOkResponse({ type: RoomViewDto })
  @ApiErrorResponses(404)
  unshare(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.unshare(user.id, id);
  }
}
