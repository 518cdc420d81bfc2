import { Injectable } from '@nestjs/common';
import type { AgentRunView, MessageView } from '@oz/workspace-contract';
import type { RoomRow } from './room.view';

/** What the invocation module does for rooms and their messages. */
export interface RoomRepliesHandler {
  /** Refuses a person's message, before it is posted, that would start more replies than the caps allow. */
  admit(room: RoomRow, userId: string, content: string): Promise<void>;
  /** Starts the replies a person's message asks for (its @mentions of the room's agents); none while the room is paused. */
  startFor(room: RoomRow, userId: string, message: MessageView): Promise<AgentRunView[]>;
  /**
   * Starts the replies an agent's message asks for, posted while its run `runId` works: one level
   * deeper than that run, as its reply's mentions would; none once the run ended or the room is paused.
   */
  startFromRun(runId: string, message: MessageView): Promise<AgentRunView[]>;
  /** Stops every reply being written in the room (pause, delete). */
  stopAll(roomId: string, reason: string): Promise<void>;
}

/**
 * The door from rooms and messages to agents' replies. Replies are built from rooms and messages (the
 * room's agents, the history, the reply itself), so the modules that write them import rooms and
 * messages, and these two cannot import them back; InvocationModule connects the handler here when
 * the app starts (see invocation.module.ts). Every other feature reaches replies directly.
 */
@Injectable()
export class RoomReplies implements RoomRepliesHandler {
  private handler: RoomRepliesHandler | null = null;

  connect(handler: RoomRepliesHandler): void {
    this.handler = handler;
  }

  admit(room: RoomRow, userId: string, content: string): Promise<void> {
    return this.connected().admit(room, userId, content);
  }

  startFor(room: RoomRow, userId: string, message: MessageView): Promise<AgentRunView[]> {
    return this.connected().startFor(room, userId, message);
  }

  startFromRun(runId: string, message: MessageView): Promise<AgentRunView[]> {
    return this.connected().startFromRun(runId, message);
  }

  stopAll(roomId: string, reason: string): Promise<void> {
    return this.connected().stopAll(roomId, reason);
  }

  private connected(): RoomRepliesHandler {
    if (!this.handler) throw new Error('RoomReplies was used before InvocationModule connected it');
    return this.handler;
  }
}
