import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ItemList, TaskView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { TaskListDto, TaskViewDto } from '../common/dto/task-view.dto';
import { CreateTaskDto } from './dto/create-task.dto';
import { UpdateTaskDto } from './dto/update-task.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@SessionRoute()
@Controller()
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get('rooms/:roomId/tasks')
  @ApiOperation({ operationId: 'listTasks', summary: "The room's board, by column and position" })
  @ApiOkResponse({ type: TaskListDto })
  @ApiErrorResponses(404)
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string): Promise<ItemList<TaskView>> {
    return { items: await this.tasks.list(user.id, roomId) };
  }

  @Post('rooms/:roomId/tasks')
  @ApiOperation({ operationId: 'createTask', summary: 'Add a task (at the end of its column)' })
  @ApiCreatedResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  create(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: CreateTaskDto): Promise<TaskView> {
    return this.tasks.create(user.id, roomId, body);
  }

  @Patch('tasks/:id')
  @ApiOperation({ operationId: 'updateTask', summary: 'Edit a task, or move it (status and/or position)' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    return this.tasks.update(user.id, id, body);
  }

  @Delete('tasks/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteTask', summary: 'Delete a task' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.tasks.delete(user.id, id);
  }
}
