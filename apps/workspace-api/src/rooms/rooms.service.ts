import { Injectable } from '@nestjs/common';
import type { RoomView } from '@oz/workspace-contract';
import { randomBytes } from 'node:crypto';
import { AgentsRepository } from '../agents/agents.repository';
import { notFound } from '../common/ids';
import { EventBus } from '../events/event-bus';
import { RoomEvents } from '../events/room-events';
import { InvocationService } from '../invocation/invocation.service';
import { RoomAnnouncer } from './room-announcer';
import { roomView, type RoomRow } from './room.view';
import { RoomsRepository } from './rooms.repository';
import type { CreateRoomDto, UpdateRoomDto } from './rooms.dto';

/** How long a deleted room's stream lives on, so every replica's viewers receive the deletion. */
const DELETED_STREAM_GRACE_MS = 60_000;

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly agents: AgentsRepository,
    private readonly events: RoomEvents,
    private readonly bus: EventBus,
    private readonly announcer: RoomAnnouncer,
    private readonly invocation: InvocationService,
  ) {}

  async list(userId: string): Promise<RoomView[]> {
    const rooms = await this.rooms.list(userId);
    const agents = await this.rooms.agentsOf(rooms.map((r) => r.id));
    return rooms.map((room) => roomView(room, agents.filter((a) => a.room_id === room.id)));
  }

  async get(userId: string, roomId: string): Promise<RoomView> {
    return this.announcer.view(await this.rooms.require(userId, roomId));
  }

  async create(userId: string, input: CreateRoomDto): Promise<RoomView> {
    const agentIds = await this.requireOwnAgents(userId, input.agent_ids ?? []);
    const room = await this.rooms.create(userId, input.name, input.description ?? '', agentIds);
    return this.publish(room);
  }

  async update(userId: string, roomId: string, input: UpdateRoomDto): Promise<RoomView> {
    await this.rooms.require(userId, roomId);
    const agentIds = input.agent_ids ? await this.requireOwnAgents(userId, input.agent_ids) : undefined;
    const room = await this.rooms.update(userId, roomId, { name: input.name, description: input.description }, agentIds);
    if (!room) throw notFound('Room', roomId);
    return this.publish(room);
  }

  async delete(userId: string, roomId: string): Promise<void> {
    const room = await this.rooms.require(userId, roomId);
    await this.invocation.cancelRoom(room.id, 'The room was deleted');
    if (!(await this.rooms.delete(userId, room.id))) throw notFound('Room', roomId);
    await this.events.emit(room.id, 'room', { id: room.id, deleted: true });
    setTimeout(() => void this.bus.drop(room.id).catch(() => undefined), DELETED_STREAM_GRACE_MS).unref();
  }

  /** Paused rooms invoke no agents; pausing also stops the replies being written. */
  async setPaused(userId: string, roomId: string, paused: boolean): Promise<RoomView> {
    const room = await this.rooms.setPaused(userId, roomId, paused);
    if (!room) throw notFound('Room', roomId);
    if (paused) await this.invocation.cancelRoom(room.id, 'The room was paused');
    return this.publish(room);
  }

  async addAgent(userId: string, roomId: string, agentId: string): Promise<RoomView> {
    const room = await this.rooms.require(userId, roomId);
    await this.requireOwnAgents(userId, [agentId]);
    await this.rooms.addMember(room.id, agentId);
    return this.publish(room);
  }

  async removeAgent(userId: string, roomId: string, agentId: string): Promise<RoomView> {
    const room = await this.rooms.require(userId, roomId);
    if (!(await this.rooms.removeMember(room.id, agentId))) throw notFound('Agent', `${agentId} in room ${roomId}`);
    return this.publish(room);
  }

  /** The room's public read-only link; sharing again returns the same one until it is revoked. */
  async share(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.rooms.setShare(userId, roomId, randomBytes(24).toString('base64url'));
    if (!room) throw notFound('Room', roomId);
    return this.publish(room);
  }

  /** Revokes the link; public viewers' open streams end when they see the room's new state. */
  async unshare(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.rooms.setShare(userId, roomId, null);
    if (!room) throw notFound('Room', roomId);
    return this.publish(room);
  }

  private async publish(room: RoomRow): Promise<RoomView> {
    return (await this.announcer.announce(room))!;
  }

  /** Every id must be one of the caller's agents; the first that is not is a 404. */
  private async requireOwnAgents(userId: string, agentIds: string[]): Promise<string[]> {
    const unique = [...new Set(agentIds.map((id) => id.toLowerCase()))];
    const owned = await this.agents.ownedIds(userId, unique);
    const missing = unique.find((id) => !owned.has(id));
    if (missing) throw notFound('Agent', missing);
    return unique;
  }
}
