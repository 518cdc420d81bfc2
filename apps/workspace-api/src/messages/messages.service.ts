import { Injectable } from '@nestjs/common';
import type { MessagePage, MessageStatus, MessageView, PostedMessage } from '@oz/workspace-contract';
import { actingAgent, requiredField } from '../common/agent-caller';
import type { AgentCaller } from '../common/auth';
import type { MessagePageQuery } from '../common/dto/message-page.query';
import { notFound } from '../common/not-found';
import { DEFAULT_PAGE_LIMIT } from '../common/dto/page-limit';
import { RoomEvents } from '../events/room-events';
import { RoomReplies } from '../rooms/room-replies';
import { RoomsService } from '../rooms/rooms.service';
import { MessagesRepository } from './messages.repository';

/**
 * A room's conversation: people post, agents reply. Replies are written through here by the agent
 * runs that own them (placeholder, final text); the run's streamed progress is saved with the run.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsService,
    private readonly events: RoomEvents,
    private readonly replies: RoomReplies,
  ) {}

  async page(userId: string, roomId: string, query: MessagePageQuery): Promise<MessagePage> {
    return this.pageOf((await this.rooms.require(userId, roomId)).id, query);
  }

  /** A page of a room already found visible (its member's or its share link's). */
  pageOf(roomId: string, query: MessagePageQuery): Promise<MessagePage> {
    return this.messages.page(roomId, query.before ?? null, query.limit ?? DEFAULT_PAGE_LIMIT);
  }

  /** A person's message; the agents it @mentions start replying (unless the room is paused). */
  async post(userId: string, roomId: string, content: string): Promise<PostedMessage> {
    const room = await this.rooms.require(userId, roomId);
    // A message asking for more replies than the caps allow is refused before it is posted.
    await this.replies.admit(room, userId, content);
    // Always a person's message: agents' replies come only from their runs, so none can be forged here.
    const message = await this.messages.insertHuman(room.id, content);
    await this.events.emit(room.id, 'message', message);
    const runs = await this.replies.startFor(room, userId, message);
    return { message, runs, paused: room.paused };
  }

  /**
   * A message an agent posts to a room while it works. With a run's room callback token it is that
   * run's agent in that run's room, and the teammates it @mentions reply one level deeper, as they
   * would to the run's reply (same caps; each at most once per run). With X-Agent-Key no run is known,
   * so it invokes no one.
   */
  async postFromAgent(caller: AgentCaller, roomId: string | undefined, agentIdSent: string | undefined, content: string): Promise<PostedMessage> {
    const room = await this.rooms.forAgent(caller, roomId, 'room_id', 'room_id must be a room id');
    const agentId = actingAgent(caller, agentIdSent, 'agent_id');
    if (!agentId) throw requiredField('agent_id', 'agent_id must be an agent id');
    if (!(await this.rooms.hasMember(room.id, agentId))) throw notFound('Agent', `${agentId} in room ${room.id}`);
    const message = await this.messages.insertAgent(room.id, agentId, caller.kind === 'run' ? caller.runId : null, content);
    await this.events.emit(room.id, 'message', message);
    const runs = caller.kind === 'run' ? await this.replies.startFromRun(caller.runId, message) : [];
    return { message, runs, paused: room.paused };
  }

  byId(id: string): Promise<MessageView | null> {
    return this.messages.byId(id);
  }

  /** What an agent is shown of the conversation before the message that invoked it. */
  history(roomId: string, beforeMessageId: string, limit: number): Promise<MessageView[]> {
    return this.messages.recent(roomId, beforeMessageId, limit);
  }

  /** The empty, streaming reply of a run that is starting, shown at once. */
  async startReply(id: string, roomId: string, agentId: string, runId: string): Promise<MessageView> {
    const placeholder = await this.messages.insertReplyPlaceholder(id, roomId, agentId, runId);
    await this.events.emit(roomId, 'message', placeholder);
    return placeholder;
  }

  /** A reply's final form (agent-runs/reply-writer.ts decides it); null when the message is gone. */
  async endReply(id: string, content: string, status: Exclude<MessageStatus, 'streaming'>): Promise<MessageView | null> {
    const message = await this.messages.finish(id, content, status);
    if (message) await this.events.emit(message.room_id, 'message', message);
    return message;
  }
}
