import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { NotificationView, TaskView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { IsDefined, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { AgentKeyRoute } from '../common/auth';
import { notFound } from '../common/ids';
import { RoomEvents } from '../events/room-events';
import { InvocationService } from '../invocation/invocation.service';
import { NotificationsRepository } from '../notifications/notifications.repository';
import { RoomsRepository } from '../rooms/rooms.repository';
import { RunsRepository } from '../runs/runs.repository';
import { AgentCreateTaskDto, UpdateTaskDto } from '../tasks/tasks.dto';
import { TasksRepository } from '../tasks/tasks.repository';
import { TasksService } from '../tasks/tasks.service';
import { stringRequired } from '../common/validation-messages';

const MAX_RESPONSE_CHARS = 500_000;

/** Accepts both spellings external harnesses use: `taskId`/`task_id`, `response`/`message`. */
export class AgentResponseDto {
  @ApiPropertyOptional({ description: 'The agent run id (also accepted as task_id)' })
  @IsOptional()
  @IsString()
  taskId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  task_id?: string;

  @ApiPropertyOptional({ description: 'The reply (also accepted as message); non-text values are stored as JSON' })
  @IsOptional()
  response?: unknown;

  @ApiPropertyOptional()
  @IsOptional()
  message?: unknown;
}

export class AgentTasksQuery {
  @ApiProperty()
  @IsUUID('all', { message: 'roomId must be a room id' })
  @IsDefined({ message: 'roomId is required' })
  roomId!: string;
}

export class AgentNotificationDto {
  @ApiProperty()
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id!: string;

  @ApiProperty({ description: 'The agent sending it; must be in the room' })
  @IsUUID('all', { message: 'agent_id must be an agent id' })
  agent_id!: string;

  @ApiProperty()
  @MaxLength(5000)
  @MinLength(1, { message: 'message must not be empty' })
  @IsString(stringRequired('message'))
  message!: string;
}

/**
 * Routes for agents running outside the workspace (harness callbacks and skills). They need
 * `X-Agent-Key` = AGENT_API_KEY and nothing else: a session cookie does not open them, and they open
 * nothing else. The key is one server-wide secret (no per-room keys), so every id sent is still checked
 * to exist and to fit together (the agent in the room, the task in a room).
 */
@ApiTags('internal agent routes')
@ApiHeader({ name: 'X-Agent-Key', required: true })
@AgentKeyRoute()
@Controller()
export class AgentRoutesController {
  constructor(
    private readonly runs: RunsRepository,
    private readonly invocation: InvocationService,
    private readonly tasks: TasksRepository,
    private readonly tasksService: TasksService,
    private readonly rooms: RoomsRepository,
    private readonly notifications: NotificationsRepository,
    private readonly events: RoomEvents,
  ) {}

  @Post('agent-response')
  @HttpCode(200)
  @ApiOperation({ operationId: 'agentResponse', summary: "Deliver an agent run's reply from outside; its @mentions invoke teammates one level deeper" })
  async agentResponse(@Body() body: AgentResponseDto): Promise<{ success: true; run_id: string; duplicate: boolean }> {
    const runId = body.taskId ?? body.task_id;
    const raw = body.response ?? body.message;
    if (!runId) throw ApiException.badRequest('taskId (or task_id) is required', [{ field: 'taskId', message: 'taskId (or task_id) is required' }]);
    if (raw === undefined || raw === null) {
      throw ApiException.badRequest('response (or message) is required', [{ field: 'response', message: 'response (or message) is required' }]);
    }
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (text.length > MAX_RESPONSE_CHARS) throw ApiException.badRequest(`response must be at most ${MAX_RESPONSE_CHARS} characters`);
    const run = await this.runs.byId(runId);
    if (!run) throw notFound('Run', runId);
    if (await this.invocation.completeFromCallback(run, text)) return { success: true, run_id: run.id, duplicate: false };
    // Delivered twice: fine when it already ended this way, a conflict otherwise.
    const current = (await this.runs.byId(run.id))!;
    if (current.state === 'SUCCEEDED') return { success: true, run_id: run.id, duplicate: true };
    throw ApiException.conflict(`Run ${run.id} has already ended (${current.state})`);
  }

  @Get('agent/tasks')
  @ApiOperation({ operationId: 'agentListTasks', summary: "A room's tasks" })
  async listTasks(@Query() query: AgentTasksQuery): Promise<{ items: TaskView[] }> {
    const room = await this.rooms.byId(query.roomId);
    if (!room) throw notFound('Room', query.roomId);
    return { items: await this.tasks.list(room.id) };
  }

  @Post('agent/tasks')
  @ApiOperation({ operationId: 'agentCreateTask', summary: 'Create a task in a room' })
  async createTask(@Body() body: AgentCreateTaskDto): Promise<TaskView> {
    const room = await this.rooms.byId(body.room_id);
    if (!room) throw notFound('Room', body.room_id);
    return this.tasksService.create(room.id, body, body.created_by ?? null);
  }

  @Patch('agent/tasks/:id')
  @ApiOperation({ operationId: 'agentUpdateTask', summary: 'Edit or move a task' })
  async updateTask(@Param('id') id: string, @Body() body: UpdateTaskDto): Promise<TaskView> {
    const task = await this.tasks.byId(id);
    if (!task) throw notFound('Task', id);
    return this.tasksService.update(task, body);
  }

  @Post('agent/notifications')
  @ApiOperation({ operationId: 'agentNotify', summary: "Put a notification in the room owner's inbox" })
  async notify(@Body() body: AgentNotificationDto): Promise<NotificationView> {
    const room = await this.rooms.byId(body.room_id);
    if (!room) throw notFound('Room', body.room_id);
    if (!(await this.rooms.hasMember(room.id, body.agent_id))) throw notFound('Agent', `${body.agent_id} in room ${body.room_id}`);
    const notification = await this.notifications.create(room.user_id, room.id, body.agent_id, body.message);
    await this.events.emit(room.id, 'notification', notification);
    return notification;
  }
}
