import { Injectable, inject } from '@angular/core';
import type { RoomInput, RoomUpdate, RoomView } from '@oz/workspace-contract';
import { ApiClient } from '../core/api/api-client';
import { API } from '../core/api/endpoints';

/** The rooms routes: the rooms themselves, their agents and their share links. */
@Injectable({ providedIn: 'root' })
export class RoomsApi {
  private readonly api = inject(ApiClient);

  list(): Promise<RoomView[]> {
    return this.api.call(API.listRooms).then((page) => page.items);
  }

  get(id: string): Promise<RoomView> {
    return this.api.call(API.getRoom, { params: { id } });
  }

  create(input: RoomInput): Promise<RoomView> {
    return this.api.call(API.createRoom, { body: input });
  }

  update(id: string, changes: RoomUpdate): Promise<RoomView> {
    return this.api.call(API.updateRoom, { params: { id }, body: changes });
  }

  delete(id: string): Promise<void> {
    return this.api.call(API.deleteRoom, { params: { id } });
  }

  setPaused(id: string, paused: boolean): Promise<RoomView> {
    return this.api.call(paused ? API.pauseRoom : API.resumeRoom, { params: { id } });
  }

  addAgent(id: string, agentId: string): Promise<RoomView> {
    return this.api.call(API.addRoomAgent, { params: { id, agentId } });
  }

  removeAgent(id: string, agentId: string): Promise<RoomView> {
    return this.api.call(API.removeRoomAgent, { params: { id, agentId } });
  }

  setShared(id: string, shared: boolean): Promise<RoomView> {
    return this.api.call(shared ? API.shareRoom : API.unshareRoom, { params: { id } });
  }
}
