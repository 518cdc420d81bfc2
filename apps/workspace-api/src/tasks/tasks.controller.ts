import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TaskView } from '@oz/workspace-contract';
import { CurrentUser, type SessionUser } from '../common/auth';
import { notFound } from '../common/ids';
import { RoomsRepository } from '../rooms/rooms.repository';
import { CreateTaskDto, UpdateTaskDto } from './tasks.dto';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@Controller()
export class TasksController {
  constructor(
    private readonly service: TasksService,
    private readonly tasks: TasksRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  @Get('rooms/:roomId/tasks')
  @ApiOperation({ operationId: 'listTasks', summary: "The room's board, by column and position" })
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string): Promise<{ items: TaskView[] }> {
    const room = await this.rooms.require(user.id, roomId);
    return { items: await this.tasks.list(room.id) };
  }

  @Post('rooms/:roomId/tasks')
  @ApiOperation({ operationId: 'createTask', summary: 'Add a task (at the end of its column)' })
  async create(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: CreateTaskDto): Promise<TaskView> {
    const room = await this.rooms.require(user.id, roomId);
    return this.service.create(room.id, body);
  }

  @Patch('tasks/:id')
  @ApiOperation({ operationId: 'updateTask', summary: 'Edit a task, or move it (status and/or position)' })
  async update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    return this.service.update(await this.require(user, id), body);
  }

  @Delete('tasks/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteTask', summary: 'Delete a task' })
  async delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    await this.service.delete(await this.require(user, id));
  }

  private async require(user: SessionUser, id: string): Promise<TaskView> {
    const task = await this.tasks.owned(user.id, id);
    if (!task) throw notFound('Task', id);
    return task;
  }
}
