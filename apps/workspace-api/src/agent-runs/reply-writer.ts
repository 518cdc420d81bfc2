import { Injectable } from '@nestjs/common';
import { ArtifactsService } from '../artifacts/artifacts.service';
import type { NewArtifact } from '../artifacts/artifacts.repository';
import { MessagesService } from '../messages/messages.service';
import { RoomsService } from '../rooms/rooms.service';
import { ActiveRuns } from './active-runs';
import type { AgentRun } from './agent-run';
import { AgentRunsRepository } from './agent-runs.repository';

/**
 * The one place a reply ends, whichever path ends it: the agent's answer (its runner, a remote run
 * finishing, or `POST /api/agent-response`), a failure, a cancel, a paused or deleted room, a deleted
 * agent, the stale-run sweep, a replica shutting down. Each path moves the run to its final state with
 * one conditional UPDATE (so only the first decides), then the reply gets its final text, its
 * `message` event and the room its `room` event (the agent's status), and whoever executes the run on
 * this replica is stopped.
 */
@Injectable()
export class ReplyWriter {
  constructor(
    private readonly runs: AgentRunsRepository,
    private readonly active: ActiveRuns,
    private readonly messages: MessagesService,
    private readonly rooms: RoomsService,
    private readonly artifacts: ArtifactsService,
  ) {}

  /**
   * The agent answered: the run succeeds, the artifacts it reported join the room, the reply shows the
   * answer. False when the run had already ended.
   */
  async answer(run: AgentRun, text: string, artifacts: NewArtifact[] = []): Promise<boolean> {
    if (!(await this.runs.finish(run.id, 'SUCCEEDED', null))) return false;
    await this.artifacts.addFromRun(run.room_id, run.agent_id, run.id, artifacts);
    // Written before a local execution (answered by a callback) is stopped, so it finds the ending in place.
    await this.messages.endReply(run.reply_message_id, text, 'complete');
    this.active.abort(run.id, 'answered');
    await this.rooms.announceById(run.room_id);
    return true;
  }

  /** The reply shows one line saying why; false when the run had already ended. */
  async fail(run: AgentRun, reason: string): Promise<boolean> {
    if (!(await this.runs.finish(run.id, 'FAILED', reason))) return false;
    await this.settle([{ ...run, error: reason }], 'error');
    return true;
  }

  /** The reply keeps the text written so far; false when the run had already ended. */
  async cancel(run: AgentRun, reason: string): Promise<boolean> {
    if (!(await this.runs.finish(run.id, 'CANCELLED', reason))) return false;
    await this.settle([{ ...run, error: reason }], 'cancelled');
    return true;
  }

  /** A room was paused or deleted. */
  async stopInRoom(roomId: string, reason: string): Promise<void> {
    await this.settle(await this.runs.cancelActiveInRoom(roomId, reason), 'cancelled');
  }

  /** An agent is being deleted: its replies stop in every room. */
  async stopOfAgent(agentId: string, reason: string): Promise<void> {
    await this.settle(await this.runs.cancelActiveOfAgent(agentId, reason), 'cancelled');
  }

  /** Runs with no heartbeat since `cutoff` (their replica died, their remote run went quiet); returns how many. */
  async failStale(cutoff: Date, reason: string): Promise<number> {
    const stale = await this.runs.failStale(cutoff, reason);
    await this.settle(stale, 'error');
    return stale.length;
  }

  /** This replica is stopping: the replies it was writing cannot be finished by another one. */
  async failExecuting(reason: string): Promise<void> {
    await this.settle(await this.runs.failMany(this.active.ids(), reason), 'error');
  }

  /**
   * The local execution of a run that another path ended keeps the text it streamed since its last
   * save, when that is more than the reply shows (a cancel keeps what was written).
   */
  async keepStreamedText(run: AgentRun, text: string): Promise<void> {
    if (!text) return;
    const current = await this.messages.byId(run.reply_message_id);
    if (!current || current.status !== 'cancelled' || current.content.startsWith(text)) return;
    await this.messages.endReply(run.reply_message_id, text, 'cancelled');
  }

  /**
   * A cancelled reply keeps what was written: the text streamed on this replica since the last save
   * when there is more of it (so the reply never flickers back to its saved prefix), else the saved text.
   */
  private keptText(run: AgentRun, saved: string): string {
    const streamed = this.active.streamedText(run.id);
    return (streamed.length > saved.length ? streamed : saved) || 'Cancelled.';
  }

  /** Runs already moved to a final state: their replies' final text, their local executions stopped, their rooms told. */
  private async settle(runs: AgentRun[], status: 'cancelled' | 'error'): Promise<void> {
    const rooms = new Set<string>();
    for (const run of runs) {
      const current = await this.messages.byId(run.reply_message_id);
      if (current) {
        const content =
          status === 'error' ? `⚠️ ${current.agent?.name ?? 'The agent'} could not reply: ${run.error ?? 'the run stopped'}` : this.keptText(run, current.content);
        await this.messages.endReply(run.reply_message_id, content, status);
      }
      this.active.abort(run.id, run.error ?? status);
      rooms.add(run.room_id);
    }
    for (const roomId of rooms) await this.rooms.announceById(roomId);
  }
}
