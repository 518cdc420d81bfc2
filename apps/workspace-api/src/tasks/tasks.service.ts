import { Injectable } from '@nestjs/common';
import type { TaskInput, TaskUpdate, TaskView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { actingAgent } from '../common/agent-caller';
import type { AgentCaller } from '../common/auth';
import { notFound } from '../common/not-found';
import { RoomEvents } from '../events/room-events';
import { RoomsService } from '../rooms/rooms.service';
import type { AgentCreateTaskDto } from './dto/agent-create-task.dto';
import { TasksRepository } from './tasks.repository';

/** The board's rules, shared by people (session routes) and external agents (agent-key routes). */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly rooms: RoomsService,
    private readonly events: RoomEvents,
  ) {}

  async list(userId: string, roomId: string): Promise<TaskView[]> {
    return this.listOf((await this.rooms.require(userId, roomId)).id);
  }

  /** The board of a room already found visible (its member's, its share link's, an agent's prompt). */
  listOf(roomId: string): Promise<TaskView[]> {
    return this.tasks.list(roomId);
  }

  async create(userId: string, roomId: string, input: TaskInput): Promise<TaskView> {
    return this.createIn((await this.rooms.require(userId, roomId)).id, input, null);
  }

  async update(userId: string, id: string, input: TaskUpdate): Promise<TaskView> {
    return this.change(await this.visible(userId, id), input);
  }

  async delete(userId: string, id: string): Promise<void> {
    const task = await this.visible(userId, id);
    if (!(await this.tasks.delete(task.id))) throw notFound('Task', task.id);
    await this.events.emit(task.room_id, 'task', { action: 'deleted', task_id: task.id });
  }

  /**
   * An external agent reads a room's board: with X-Agent-Key any room that exists, with a run's room
   * callback token that run's room only.
   */
  async listForAgent(caller: AgentCaller, roomId: string | undefined): Promise<TaskView[]> {
    return this.listOf((await this.rooms.forAgent(caller, roomId, 'roomId', 'roomId is required')).id);
  }

  /** With a run's room callback token the task is created in its room, credited to its agent. */
  async createForAgent(caller: AgentCaller, input: AgentCreateTaskDto): Promise<TaskView> {
    const room = await this.rooms.forAgent(caller, input.room_id, 'room_id', 'room_id must be a room id');
    return this.createIn(room.id, input, actingAgent(caller, input.created_by, 'created_by'));
  }

  /** With a run's room callback token, a task of another room reads as one that does not exist. */
  async updateForAgent(caller: AgentCaller, id: string, input: TaskUpdate): Promise<TaskView> {
    const task = await this.tasks.byId(id);
    if (!task || (caller.kind === 'run' && task.room_id !== caller.roomId)) throw notFound('Task', id);
    return this.change(task, input);
  }

  private async createIn(roomId: string, input: TaskInput, createdByAgentId: string | null): Promise<TaskView> {
    if (input.assignee_id) await this.requireMember(roomId, input.assignee_id, 'assignee_id');
    if (createdByAgentId) await this.requireMember(roomId, createdByAgentId, 'created_by');
    const task = await this.tasks.create(
      roomId,
      {
        title: input.title,
        description: input.description,
        status: input.status ?? 'backlog',
        priority: input.priority ?? 'medium',
        assigneeAgentId: input.assignee_id ?? null,
      },
      createdByAgentId,
    );
    await this.events.emit(roomId, 'task', { action: 'created', task });
    return task;
  }

  private async change(task: TaskView, input: TaskUpdate): Promise<TaskView> {
    if (input.assignee_id) await this.requireMember(task.room_id, input.assignee_id, 'assignee_id');
    const updated = await this.tasks.update(
      task.id,
      { title: input.title, description: input.description, status: input.status, priority: input.priority, assigneeAgentId: input.assignee_id },
      input.position,
    );
    if (!updated) throw notFound('Task', task.id);
    await this.events.emit(task.room_id, 'task', { action: 'updated', task: updated });
    return updated;
  }

  /** The task when its room is visible to the user; 404 otherwise, as for an id that does not exist. */
  private async visible(userId: string, id: string): Promise<TaskView> {
    const task = await this.tasks.byId(id);
    if (!task || !(await this.rooms.canSee(userId, task.room_id))) throw notFound('Task', id);
    return task;
  }

  /** Only an agent of the room can be assigned or credited; anything else is refused by name. */
  private async requireMember(roomId: string, agentId: string, field: string): Promise<void> {
    if (!(await this.rooms.hasMember(roomId, agentId))) {
      const problem = `${field} must be an agent of this room (${agentId} is not)`;
      throw ApiException.badRequest(problem, [{ field, message: problem }]);
    }
  }
}
