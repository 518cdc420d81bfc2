import { Injectable } from '@nestjs/common';
import type { RoomView } from '@oz/workspace-contract';
import { randomBytes } from 'node:crypto';
import { requiredField } from '../common/agent-caller';
import type { AgentCaller } from '../common/auth';
import { notFound } from '../common/not-found';
import { EventBus } from '../events/event-bus';
import { RoomEvents } from '../events/room-events';
import type { CreateRoomDto } from './dto/create-room.dto';
import type { UpdateRoomDto } from './dto/update-room.dto';
import { RoomReplies } from './room-replies';
import { roomView, type RoomAgentRow, type RoomRow } from './room.view';
import { RoomsRepository } from './rooms.repository';

/** How long a deleted room's stream lives on, so every replica's viewers receive the deletion. */
const DELETED_STREAM_GRACE_MS = 60_000;

/** Who may see a room: its owner. Every room-scoped route asks here (`require`, `canSee`). */
const visibleTo = (room: RoomRow, userId: string) => room.user_id === userId;

/**
 * Rooms: who sees them, their members, pause and share links, and the `room` event that tells viewers
 * the room's current state (with its agents' statuses) after any change to it, its members or their runs.
 */
@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly events: RoomEvents,
    private readonly bus: EventBus,
    private readonly replies: RoomReplies,
  ) {}

  async list(userId: string): Promise<RoomView[]> {
    const rooms = await this.rooms.list(userId);
    const agents = await this.rooms.agentsOf(rooms.map((r) => r.id));
    return rooms.map((room) => roomView(room, agents.filter((a) => a.room_id === room.id)));
  }

  async get(userId: string, roomId: string): Promise<RoomView> {
    return this.view(await this.require(userId, roomId));
  }

  /** The caller's room, or a 404 that reads the same whether it is missing or someone else's. */
  async require(userId: string, roomId: string): Promise<RoomRow> {
    const room = await this.rooms.byId(roomId);
    if (!room || !visibleTo(room, userId)) throw notFound('Room', roomId);
    return room;
  }

  async canSee(userId: string, roomId: string): Promise<boolean> {
    const room = await this.rooms.byId(roomId);
    return room !== null && visibleTo(room, userId);
  }

  /** A room by id, whoever owns it: for agents (agent-key routes, invocation), never for a user's request. */
  find(roomId: string): Promise<RoomRow | null> {
    return this.rooms.byId(roomId);
  }

  /**
   * The room an internal agent route acts in. With X-Agent-Key: the room `roomId` names, which must
   * exist (`missing`, naming `field`, when none is named). With a run's room callback token: that
   * run's room, which `roomId` may name or leave out; any other id is a 404 worded like a missing room.
   */
  async forAgent(caller: AgentCaller, roomId: string | undefined, field: string, missing: string): Promise<RoomRow> {
    if (roomId === undefined && caller.kind === 'key') throw requiredField(field, missing);
    const id = roomId ?? (caller as Extract<AgentCaller, { kind: 'run' }>).roomId;
    if (caller.kind === 'run' && id !== caller.roomId) throw notFound('Room', id);
    const room = await this.rooms.byId(id);
    if (!room) throw notFound('Room', id);
    return room;
  }

  /** The room a share link opens, for anyone holding it. */
  async shared(shareId: string): Promise<RoomRow> {
    const room = await this.rooms.byShareId(shareId);
    if (!room) throw notFound('Shared room', shareId);
    return room;
  }

  async create(userId: string, input: CreateRoomDto): Promise<RoomView> {
    const agentIds = await this.requireOwnAgents(userId, input.agent_ids ?? []);
    return this.announce(await this.rooms.create(userId, input.name, input.description ?? '', agentIds));
  }

  async update(userId: string, roomId: string, input: UpdateRoomDto): Promise<RoomView> {
    const room = await this.require(userId, roomId);
    const agentIds = input.agent_ids ? await this.requireOwnAgents(userId, input.agent_ids) : undefined;
    const updated = await this.rooms.update(room.id, { name: input.name, description: input.description }, agentIds);
    if (!updated) throw notFound('Room', roomId);
    return this.announce(updated);
  }

  /** The replies in progress stop first; the room's deletion is the last event of its streams. */
  async delete(userId: string, roomId: string): Promise<void> {
    const room = await this.require(userId, roomId);
    await this.replies.stopAll(room.id, 'The room was deleted');
    if (!(await this.rooms.delete(room.id))) throw notFound('Room', roomId);
    await this.events.emit(room.id, 'room', { id: room.id, deleted: true }, room.user_id);
    setTimeout(() => void this.bus.drop(room.id).catch(() => undefined), DELETED_STREAM_GRACE_MS).unref();
  }

  /** Paused rooms invoke no agents; pausing also stops the replies being written. */
  async setPaused(userId: string, roomId: string, paused: boolean): Promise<RoomView> {
    const room = await this.rooms.setPaused((await this.require(userId, roomId)).id, paused);
    if (!room) throw notFound('Room', roomId);
    if (paused) await this.replies.stopAll(room.id, 'The room was paused');
    return this.announce(room);
  }

  async addAgent(userId: string, roomId: string, agentId: string): Promise<RoomView> {
    const room = await this.require(userId, roomId);
    await this.requireOwnAgents(userId, [agentId]);
    await this.rooms.addMember(room.id, agentId);
    return this.announce(room);
  }

  async removeAgent(userId: string, roomId: string, agentId: string): Promise<RoomView> {
    const room = await this.require(userId, roomId);
    if (!(await this.rooms.removeMember(room.id, agentId))) throw notFound('Agent', `${agentId} in room ${roomId}`);
    return this.announce(room);
  }

  /** The room's public read-only link; sharing again returns the same one until it is revoked. */
  async share(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.rooms.setShare((await this.require(userId, roomId)).id, randomBytes(24).toString('base64url'));
    if (!room) throw notFound('Room', roomId);
    return this.announce(room);
  }

  /** Revokes the link; public viewers' open streams end when they see the room's new state. */
  async unshare(userId: string, roomId: string): Promise<RoomView> {
    const room = await this.rooms.setShare((await this.require(userId, roomId)).id, null);
    if (!room) throw notFound('Room', roomId);
    return this.announce(room);
  }

  hasMember(roomId: string, agentId: string): Promise<boolean> {
    return this.rooms.hasMember(roomId, agentId);
  }

  /** The room's agents with their status there and their system prompts (what teammates are told). */
  members(roomId: string): Promise<RoomAgentRow[]> {
    return this.rooms.agentsOf([roomId]);
  }

  async view(room: RoomRow): Promise<RoomView> {
    return roomView(room, await this.rooms.agentsOf([room.id]));
  }

  /** Sends the room's current state as a `room` event (its agents' statuses included); returns it. */
  async announce(room: RoomRow): Promise<RoomView> {
    const view = await this.view(room);
    await this.events.emit(room.id, 'room', view, room.user_id);
    return view;
  }

  /** Announces a room by id, unless it is gone (after runs in it ended, after an agent in it changed). */
  async announceById(roomId: string): Promise<void> {
    const room = await this.rooms.byId(roomId);
    if (room) await this.announce(room);
  }

  /** Announces every room an agent is in (its name or looks changed). */
  async announceRoomsOf(agentId: string): Promise<void> {
    for (const room of await this.rooms.roomsOfAgent(agentId)) await this.announce(room);
  }

  /** Every id must be one of the caller's agents; the first that is not is a 404. */
  private async requireOwnAgents(userId: string, agentIds: string[]): Promise<string[]> {
    const unique = [...new Set(agentIds.map((id) => id.toLowerCase()))];
    const owned = await this.rooms.agentIdsOf(userId, unique);
    const missing = unique.find((id) => !owned.has(id));
    if (missing) throw notFound('Agent', missing);
    return unique;
  }
}
