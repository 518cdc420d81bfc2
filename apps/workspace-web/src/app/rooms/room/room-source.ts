import { InjectionToken, inject } from '@angular/core';
import type { ArtifactView, MessagePage, NotificationView, RoomView, TaskView } from '@oz/workspace-contract';
import { AgentsStore } from '../../agents/agents.store';
import { ApiClient, buildUrl } from '../../core/api/api-client';
import { API, type PublicRoomView } from '../../core/api/endpoints';
import { SessionStore } from '../../core/auth/session.store';
import { InboxStore } from '../../inbox/inbox.store';
import { RoomsApi } from '../rooms.api';
import { RoomsStore } from '../rooms.store';
import { RoomApi } from './room.api';

/**
 * Where a room's state comes from: the owner's routes, or a share link's public ones. The store that
 * merges the live events is the same for both.
 */
export interface RoomSource {
  eventsUrl(key: string): string;
  room(key: string): Promise<RoomView>;
  messages(key: string, before: string | null, limit: number): Promise<MessagePage>;
  tasks(key: string): Promise<TaskView[]>;
  artifacts(key: string): Promise<ArtifactView[]>;
  /** The room as a `room` event carries it. */
  roomView(data: RoomView | PublicRoomView, key: string): RoomView;
}

/** What else learns about the open room: the sidebar, the agents' statuses, the inbox, the session. */
export interface RoomHooks {
  roomChanged(room: RoomView): void;
  roomDeleted(id: string): void;
  notification(notification: NotificationView): void;
  sessionEnded(): void;
}

export const ROOM_SOURCE = new InjectionToken<RoomSource>('room source');
export const ROOM_HOOKS = new InjectionToken<RoomHooks>('room hooks');

/** A room of the signed-in user. */
export function ownedRoomSource(): RoomSource {
  const rooms = inject(RoomsApi);
  const api = inject(RoomApi);
  return {
    eventsUrl: (id) => api.eventsUrl(id),
    room: (id) => rooms.get(id),
    messages: (id, before, limit) => api.messages(id, before, limit),
    tasks: (id) => api.tasks(id),
    artifacts: (id) => api.artifacts(id),
    roomView: (data) => data as RoomView,
  };
}

export function ownedRoomHooks(): RoomHooks {
  const rooms = inject(RoomsStore);
  const agents = inject(AgentsStore);
  const inbox = inject(InboxStore);
  const session = inject(SessionStore);
  return {
    roomChanged: (room) => {
      rooms.upsert(room);
      agents.applyRoom(room);
    },
    roomDeleted: (id) => rooms.remove(id),
    notification: (n) => inbox.receive(n),
    sessionEnded: () => session.sessionEnded(),
  };
}

/** A room seen through its share link (`key` is the share id): read-only, nothing about the owner. */
export function sharedRoomSource(): RoomSource {
  const api = inject(ApiClient);
  const asRoom = (room: PublicRoomView, shareId: string): RoomView => ({ ...room, paused: false, share_id: shareId });
  return {
    eventsUrl: (shareId) => buildUrl(API.publicEvents.path, { shareId }),
    room: (shareId) => api.call(API.publicRoom, { params: { shareId } }).then((room) => asRoom(room, shareId)),
    messages: (shareId, before, limit) => api.call(API.publicMessages, { params: { shareId }, query: { before: before ?? undefined, limit } }),
    tasks: (shareId) => api.call(API.publicTasks, { params: { shareId } }).then((page) => page.items),
    artifacts: (shareId) => api.call(API.publicArtifacts, { params: { shareId } }).then((page) => page.items),
    roomView: (data, shareId) => asRoom(data, shareId),
  };
}
