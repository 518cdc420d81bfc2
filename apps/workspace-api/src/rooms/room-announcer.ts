import { Injectable } from '@nestjs/common';
import type { RoomView } from '@oz/workspace-contract';
import { RoomEvents } from '../events/room-events';
import { roomView, type RoomRow } from './room.view';
import { RoomsRepository } from './rooms.repository';

/**
 * The one way a room's current state (with its agents' statuses) is built and sent as a `room`
 * event: after a change to the room, to its members, or to their runs.
 */
@Injectable()
export class RoomAnnouncer {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly events: RoomEvents,
  ) {}

  async view(room: RoomRow): Promise<RoomView> {
    return roomView(room, await this.rooms.agentsOf([room.id]));
  }

  /** Sends the room's current state; returns it (null when the room is gone). */
  async announce(room: RoomRow | string): Promise<RoomView | null> {
    const row = typeof room === 'string' ? await this.rooms.byId(room) : room;
    if (!row) return null;
    const view = await this.view(row);
    await this.events.emit(row.id, 'room', view);
    return view;
  }
}
