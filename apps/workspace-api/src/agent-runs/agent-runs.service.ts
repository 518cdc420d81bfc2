import { Injectable } from '@nestjs/common';
import { ACTIVE_AGENT_RUN_STATES, type AgentRunPage, type AgentRunView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { DEFAULT_PAGE_LIMIT } from '../common/dto/page-limit';
import { notFound } from '../common/not-found';
import { parsePageCursor } from '../common/page-cursor';
import { MessagesService } from '../messages/messages.service';
import { RoomsService } from '../rooms/rooms.service';
import { agentRunView, type AgentRun } from './agent-run';
import { AgentRunsRepository, type NewAgentRuns, type StartedAgentRuns } from './agent-runs.repository';
import { ReplyWriter } from './reply-writer';

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

  /** A page of the room's runs, newest first; `before` is the previous page's `next_cursor`. */
  async list(userId: string, roomId: string, limit = DEFAULT_PAGE_LIMIT, before?: string): Promise<AgentRunPage> {
    const room = await this.rooms.require(userId, roomId);
    const rows = await this.runs.listForRoom(room.id, limit + 1, parsePageCursor(before));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(agentRunView),
      next_cursor: rows.length > limit && last ? `${last.position}.${last.id}` : null,
    };
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

  /**
   * New runs within the caps (AgentRunsRepository.create), each with its empty reply shown in the room
   * at once. When some agents were asked beyond a cap, the refused run's reply says so, naming them
   * (`names`: agent id → name).
   */
  async start(request: NewAgentRuns, names: Map<string, string>): Promise<StartedAgentRuns> {
    const outcome = await this.runs.create(request);
    for (const run of outcome.started) await this.messages.startReply(run.reply_message_id, run.room_id, run.agent_id, run.id);
    const refused = outcome.refused?.run;
    if (refused) {
      await this.messages.startReply(refused.reply_message_id, refused.room_id, refused.agent_id, refused.id);
      const who = listed((outcome.refused?.agentIds ?? []).map((id) => names.get(id) ?? 'an agent'));
      await this.messages.endReply(refused.reply_message_id, `⚠️ ${who} could not reply: ${refused.error}`, 'error');
    }
    return outcome;
  }

  /** The user's runs in flight, on every replica. */
  activeCount(userId: string): Promise<number> {
    return this.runs.activeCount(userId);
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

/** "Rex", "Rex and Ann", "Rex, Ann and Bob", "Rex, Ann, Bob and 4 more". */
function listed(names: string[]): string {
  if (names.length <= 1) return names[0] ?? 'The agent';
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3} more`] : names;
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}
