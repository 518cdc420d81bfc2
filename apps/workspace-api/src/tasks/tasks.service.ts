import { Injectable } from '@nestjs/common';
import type { TaskView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { notFound } from '../common/ids';
import { RoomEvents } from '../events/room-events';
import { RoomsRepository } from '../rooms/rooms.repository';
import type { CreateTaskDto, UpdateTaskDto } from './tasks.dto';
import { TasksRepository } from './tasks.repository';

/** The board's rules, shared by people (session routes) and external agents (agent-key routes). */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly rooms: RoomsRepository,
    private readonly events: RoomEvents,
  ) {}

  async create(roomId: string, input: CreateTaskDto, createdByAgentId: string | null = null): Promise<TaskView> {
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

  async update(task: TaskView, input: UpdateTaskDto): Promise<TaskView> {
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

  async delete(task: TaskView): Promise<void> {
    if (!(await this.tasks.delete(task.id))) throw notFound('Task', task.id);
    await this.events.emit(task.room_id, 'task', { action: 'deleted', task_id: task.id });
  }

  /** Only an agent of the room can be assigned or credited; anything else is refused by name. */
  private async requireMember(roomId: string, agentId: string, field: string): Promise<void> {
    if (!(await this.rooms.hasMember(roomId, agentId))) {
      const problem = `${field} must be an agent of this room (${agentId} is not)`;
      throw ApiException.badRequest(problem, [{ field, message: problem }]);
    }
  }
}
