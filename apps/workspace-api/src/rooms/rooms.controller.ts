import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RoomView } from '@oz/workspace-contract';
import { CurrentUser, type SessionUser } from '../common/auth';
import { CreateRoomDto, UpdateRoomDto } from './rooms.dto';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRooms', summary: 'Your rooms, oldest first, with their agents' })
  async list(@CurrentUser() user: SessionUser): Promise<{ items: RoomView[] }> {
    return { items: await this.rooms.list(user.id) };
  }

  @Post()
  @ApiOperation({ operationId: 'createRoom', summary: 'Create a room, optionally with some of your agents' })
  create(@CurrentUser() user: SessionUser, @Body() body: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRoom', summary: 'A room with its agents and their status in it' })
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.get(user.id, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateRoom', summary: 'Rename, describe, or replace the agents' })
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateRoomDto): Promise<RoomView> {
    return this.rooms.update(user.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteRoom', summary: 'Delete a room and everything in it (replies in progress stop)' })
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.rooms.delete(user.id, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseRoom', summary: 'Stop agent invocations (and the replies in progress)' })
  pause(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.setPaused(user.id, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeRoom', summary: 'Allow agent invocations again' })
  resume(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.setPaused(user.id, id, false);
  }

  @Put(':id/agents/:agentId')
  @ApiOperation({ operationId: 'addRoomAgent', summary: 'Add one of your agents to the room' })
  addAgent(@CurrentUser() user: SessionUser, @Param('id') id: string, @Param('agentId') agentId: string): Promise<RoomView> {
    return this.rooms.addAgent(user.id, id, agentId);
  }

  @Delete(':id/agents/:agentId')
  @ApiOperation({ operationId: 'removeRoomAgent', summary: 'Remove an agent from the room' })
  removeAgent(@CurrentUser() user: SessionUser, @Param('id') id: string, @Param('agentId') agentId: string): Promise<RoomView> {
    return this.rooms.removeAgent(user.id, id, agentId);
  }

  @Post(':id/share')
  @HttpCode(200)
  @ApiOperation({ operationId: 'shareRoom', summary: 'Create (or return) the public read-only link: /share/<share_id>' })
  share(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.share(user.id, id);
  }

  @Delete(':id/share')
  @ApiOperation({ operationId: 'unshareRoom', summary: 'Revoke the public link; open public streams end' })
  unshare(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<RoomView> {
    return this.rooms.unshare(user.id, id);
  }
}
