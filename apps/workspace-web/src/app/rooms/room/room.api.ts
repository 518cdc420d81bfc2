import { Injectable, inject } from '@angular/core';
import type {
  AgentRunView,
  ArtifactInput,
  ArtifactView,
  MessagePage,
  PostedMessage,
  TaskInput,
  TaskUpdate,
  TaskView,
} from '@oz/workspace-contract';
import { ApiClient, buildUrl } from '../../core/api/api-client';
import { API } from '../../core/api/endpoints';

export const MESSAGE_PAGE_SIZE = 50;

/** What happens inside a room: messages, agent runs, the board, artifacts, and its live events. */
@Injectable({ providedIn: 'root' })
export class RoomApi {
  private readonly api = inject(ApiClient);

  messages(roomId: string, before: string | null, limit = MESSAGE_PAGE_SIZE): Promise<MessagePage> {
    return this.api.call(API.listMessages, { params: { roomId }, query: { before: before ?? undefined, limit } });
  }

  post(roomId: string, content: string): Promise<PostedMessage> {
    return this.api.call(API.postMessage, { params: { roomId }, body: { content } });
  }

  cancelRun(runId: string): Promise<AgentRunView> {
    return this.api.call(API.cancelRun, { params: { id: runId } });
  }

  tasks(roomId: string): Promise<TaskView[]> {
    return this.api.call(API.listTasks, { params: { roomId } }).then((page) => page.items);
  }

  createTask(roomId: string, input: TaskInput): Promise<TaskView> {
    return this.api.call(API.createTask, { params: { roomId }, body: input });
  }

  updateTask(id: string, changes: TaskUpdate): Promise<TaskView> {
    return this.api.call(API.updateTask, { params: { id }, body: changes });
  }

  deleteTask(id: string): Promise<void> {
    return this.api.call(API.deleteTask, { params: { id } });
  }

  artifacts(roomId: string): Promise<ArtifactView[]> {
    return this.api.call(API.listArtifacts, { params: { roomId } }).then((page) => page.items);
  }

  createArtifact(roomId: string, input: ArtifactInput): Promise<ArtifactView> {
    return this.api.call(API.createArtifact, { params: { roomId }, body: input });
  }

  deleteArtifact(id: string): Promise<void> {
    return this.api.call(API.deleteArtifact, { params: { id } });
  }

  eventsUrl(roomId: string): string {
    return buildUrl(API.roomEvents.path, {}, { roomId });
  }
}
