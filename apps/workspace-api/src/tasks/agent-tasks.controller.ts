import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ItemList, TaskView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { AgentKeyRoute } from '../common/auth';
import { TaskListDto, TaskViewDto } from '../common/dto/task-view.dto';
import { AgentCreateTaskDto } from './dto/agent-create-task.dto';
import { AgentTasksQuery } from './dto/agent-tasks.query';
import { UpdateTaskDto } from './dto/update-task.dto';
import { TasksService } from './tasks.service';

/**
 * The board for agents running outside the workspace (their skills): `X-Agent-Key` only. The key is
 * one server-wide secret, so every id is still checked to exist and to fit (an assignee in the room).
 */
@ApiTags('internal agent routes')
@AgentKeyRoute()
@Controller('agent/tasks')
export class AgentTasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ operationId: 'agentListTasks', summary: "A room's tasks" })
  @ApiOkResponse({ type: TaskListDto })
  @ApiErrorResponses(400, 404)
  async list(@Query() query: AgentTasksQuery): Promise<ItemList<TaskView>> {
    return { items: await this.tasks.listForAgent(query.roomId) };
  }

  @Post()
  @ApiOperation({ operationId: 'agentCreateTask', summary: 'Create a task in a room' })
  @ApiCreatedResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  create(@Body() body: AgentCreateTaskDto): Promise<TaskView> {
    return this.tasks.createForAgent(body);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'agentUpdateTask', summary: 'Edit or move a task' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  update(@Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    return this.tasks.updateForAgent(id, body);
  }
}
