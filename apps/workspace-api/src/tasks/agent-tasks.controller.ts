import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ItemList, TaskView } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { type AgentCaller, AgentKeyRoute, CurrentAgentCaller } from '../common/auth';
import { TaskListDto, TaskViewDto } from '../common/dto/task-view.dto';
import { AgentCreateTaskDto } from './dto/agent-create-task.dto';
import { AgentTasksQuery } from './dto/agent-tasks.query';
import { UpdateTaskDto } from './dto/update-task.dto';
import { TasksService } from './tasks.service';

/**
 * The board for agents running outside the workspace (their skills, a task container's oz-room):
 * `X-Agent-Key`, or a run's room callback token, which reaches its run's room only and creates tasks
 * as its agent. Every id is still checked to exist and to fit (an assignee in the room).
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
  async list(@CurrentAgentCaller() caller: AgentCaller, @Query() query: AgentTasksQuery): Promise<ItemList<TaskView>> {
    return { items: await this.tasks.listForAgent(caller, query.roomId) };
  }

  @Post()
  @ApiOperation({ operationId: 'agentCreateTask', summary: 'Create a task in a room' })
  @ApiCreatedResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  create(@CurrentAgentCaller() caller: AgentCaller, @Body() body: AgentCreateTaskDto): Promise<TaskView> {
    return this.tasks.createForAgent(caller, body);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'agentUpdateTask', summary: 'Edit or move a task' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  update(@CurrentAgentCaller() caller: AgentCaller, @Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    return this.tasks.updateForAgent(caller, id, body);
  }

  /** The same as PATCH, for clients that send only GET and POST (busybox wget, which oz-room uses). */
  @Post(':id')
  @HttpCode(200)
  @ApiOperation({ operationId: 'agentUpdateTaskByPost', summary: 'Edit or move a task (PATCH for clients that can only POST)' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiErrorResponses(400, 404)
  updateByPost(@CurrentAgentCaller() caller: AgentCaller, @Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    return this.tasks.updateForAgent(caller, id, body);
  }
}
