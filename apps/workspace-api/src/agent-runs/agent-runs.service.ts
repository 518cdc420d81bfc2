import { Injectable } from '@nestjs/common';
import { ACTIVE_AGENT_RUN_STATES, type AgentRunView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { notFound } from '../common/not-found';
import { MessagesService } from '../messages/messages.service';
import { RoomsService } from '../rooms/rooms.service';
import { agentRunView, type AgentRun } from './agent-run';
import { AgentRunsRepository, type NewAgentRun } from './agent-runs.repository';
import { ReplyWriter } from './reply-writer';

const LISTED_PER_ROOM = 100;

/**
 * Agent runs: one per agent's reply in a room. The invocation module starts them and records their
 * progress here; ReplyWriter ends them. A user sees their own runs (`user_id`: whose mention started the chain).
 */
@Injectable()
export class AgentRunsService {
  constructor(
    private readonly runs: AgentRunsRepository,
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    private readonly replies: ReplyWriter,
  ) {}

  async list(userId: string, roomId: string): Promise<AgentRunView[]> {
    const room = await this.rooms.require(userId, roomId);
    return (await this.runs.listForRoom(room.id, LISTED_PER_ROOM)).map(agentRunView);
  }

  async get(userId: string, id: string): Promise<AgentRunView> {
    return agentRunView(await this.require(userId, id));
  }

  async cancel(userId: string, id: string): Promise<AgentRunView> {
    const run = await this.require(userId, id);
    if (!(await this.replies.cancel(run, 'Cancelled by the user'))) {
      throw ApiException.conflict(`Run ${id} has already ended (${ACTIVE_AGENT_RUN_STATES.includes(run.state) ? 'just now' : run.state})`);
    }
    return this.get(userId, run.id);
  }

  /** A run by id, whoever started it: for the agent-key callback and the invocation module only. */
  find(id: string): Promise<AgentRun | null> {
    return this.runs.byId(id);
  }

  /** Rooms where each of the user's agents is replying now. */
  runningRooms(userId: string): Promise<Map<string, string[]>> {
    return this.runs.runningRooms(userId);
  }

  /** A new run, with its empty reply shown in the room at once; null when this parent already invoked this agent. */
  async start(run: NewAgentRun): Promise<AgentRun | null> {
    const created = await this.runs.create(run);
    if (created) await this.messages.startReply(run.replyMessageId, run.roomId, run.agentId, created.id);
    return created;
  }

  /** The run is working and alive (a heartbeat); false when it is no longer in flight, so its runner should stop. */
  markInProgress(id: string, provider: string | null): Promise<boolean> {
    return this.runs.markInProgress(id, provider);
  }

  setRemoteRunId(id: string, remoteRunId: string): Promise<void> {
    return this.runs.setRemoteRunId(id, remoteRunId);
  }

  /** Saves the reply text so far (a heartbeat too); false when the run is no longer in flight. */
  saveProgress(run: AgentRun, text: string): Promise<boolean> {
    return this.runs.saveProgress(run.id, run.reply_message_id, text);
  }

  private async require(userId: string, id: string): Promise<AgentRun> {
    const run = await this.runs.byId(id);
    if (!run || run.user_id !== userId) throw notFound('Run', id);
    return run;
  }
}
