import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { mentionedNames, type MessageStatus, type MessageView } from '@oz/workspace-contract';
import { randomUUID } from 'node:crypto';
import { AgentsRepository } from '../agents/agents.repository';
import { ArtifactsRepository } from '../artifacts/artifacts.repository';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { RoomEvents } from '../events/room-events';
import { MessagesRepository } from '../messages/messages.repository';
import { RoomAnnouncer } from '../rooms/room-announcer';
import type { RoomAgentRow, RoomRow } from '../rooms/room.view';
import { RoomsRepository } from '../rooms/rooms.repository';
import { ActiveRuns } from '../runs/active-runs';
import type { AgentRunRow } from '../runs/agent-run';
import { RunsRepository } from '../runs/runs.repository';
import { TasksRepository } from '../tasks/tasks.repository';
import { AgentRunner, RunCancelled, RunFailure } from './agent-runner';
import { buildPrompt } from './prompt';

/** How often a streaming reply's text is saved (and the run's activity stamped). */
const SAVE_EVERY_MS = 1000;

interface Trigger {
  room: RoomRow;
  userId: string;
  /** The message that mentioned the agents. */
  message: MessageView;
  /** The run whose reply mentioned them; null for a person's message. */
  parent: AgentRunRow | null;
}

/**
 * Agent invocation: an @mention of a room's agent starts a run that replies in the room, streaming its
 * text as `message_delta` events; a reply that mentions teammates invokes them in turn, one level
 * deeper, up to OZ_MAX_MENTION_DEPTH. Depth always comes from the parent run's row, never from a
 * request, so no path resets it. Every run ends in exactly one final message: the answer, or one
 * clear error.
 */
@Injectable()
export class InvocationService implements OnModuleDestroy {
  private readonly logger = new Logger('invocation');
  private readonly executing = new Set<Promise<void>>();

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    private readonly runner: AgentRunner,
    private readonly runs: RunsRepository,
    private readonly active: ActiveRuns,
    private readonly rooms: RoomsRepository,
    private readonly agents: AgentsRepository,
    private readonly messages: MessagesRepository,
    private readonly tasks: TasksRepository,
    private readonly artifacts: ArtifactsRepository,
    private readonly events: RoomEvents,
    private readonly announcer: RoomAnnouncer,
  ) {}

  /** Invokes the room's agents a person's message mentions; nothing while the room is paused. */
  async onHumanMessage(room: RoomRow, userId: string, message: MessageView): Promise<AgentRunRow[]> {
    if (room.paused) return [];
    return this.invokeMentioned({ room, userId, message, parent: null }, null);
  }

  /**
   * Ends a run in flight with a reply delivered from outside (`POST /api/agent-response`). False when
   * the run had already ended.
   */
  async completeFromCallback(run: AgentRunRow, text: string): Promise<boolean> {
    if (!(await this.runs.finish(run.id, 'SUCCEEDED', null))) return false;
    // The ending is written before the local runner (if any) is stopped, so it finds it in place.
    await this.settleReply(run, 'complete', text);
    this.active.abort(run.id, 'completed by callback');
    await this.afterReply(run, text);
    return true;
  }

  /** Cancels a run in flight; false when it had already ended. */
  async cancel(run: AgentRunRow, reason: string): Promise<boolean> {
    if (!(await this.runs.finish(run.id, 'CANCELLED', reason))) return false;
    await this.settleEnded([run], 'cancelled');
    return true;
  }

  /** Cancels every run in flight in a room (pause, delete). */
  async cancelRoom(roomId: string, reason: string): Promise<void> {
    await this.settleEnded(await this.runs.cancelActiveInRoom(roomId, reason), 'cancelled');
  }

  /** Cancels an agent's runs in flight everywhere (before the agent is deleted). */
  async cancelAgent(agentId: string, reason: string): Promise<void> {
    await this.settleEnded(await this.runs.cancelActiveOfAgent(agentId, reason), 'cancelled');
  }

  /**
   * Runs another path already moved to a final state (cancel, pause, sweep, shutdown): their replies
   * get their ending, then whoever executes them here is stopped, and their rooms' statuses change.
   */
  async settleEnded(runs: AgentRunRow[], status: 'cancelled' | 'error'): Promise<void> {
    const rooms = new Set<string>();
    for (const run of runs) {
      await this.settleReply(run, status);
      this.active.abort(run.id, run.error ?? status);
      rooms.add(run.room_id);
    }
    for (const roomId of rooms) await this.emitRoom(roomId);
  }

  /** First of the shutdown hooks: the database and the event bus are still open, and so are the event streams. */
  async onModuleDestroy(): Promise<void> {
    // Replies this replica was writing cannot be finished by another one: say so in the room.
    const ended = await this.runs.failMany(this.active.ids(), 'The workspace API stopped while this reply was being written; ask again.');
    await this.settleEnded(ended, 'error').catch((error) => this.logger.warn({ err: error }, 'shutdown.settle_failed'));
    await Promise.allSettled([...this.executing]);
  }

  private async invokeMentioned(trigger: Trigger, exceptAgentId: string | null): Promise<AgentRunRow[]> {
    if (!trigger.message.content.includes('@')) return []; // no mention possible: spare the lookup
    const members = await this.rooms.agentsOf([trigger.room.id]);
    const names = mentionedNames(
      trigger.message.content,
      members.filter((m) => m.id !== exceptAgentId).map((m) => m.name),
    );
    if (!names.length) return [];
    const depth = trigger.parent ? trigger.parent.depth + 1 : 0;
    if (depth > this.config.invocation.maxMentionDepth) {
      this.logger.log({ roomId: trigger.room.id, parentRunId: trigger.parent?.id, depth }, 'invocation.depth_limit');
      return [];
    }
    const started: AgentRunRow[] = [];
    for (const name of names) {
      const agent = members.find((m) => m.name.toLowerCase() === name.toLowerCase())!;
      const replyId = randomUUID();
      const run = await this.runs.create({
        roomId: trigger.room.id,
        agentId: agent.id,
        userId: trigger.userId,
        parentRunId: trigger.parent?.id ?? null,
        depth,
        triggerMessageId: trigger.message.id,
        replyMessageId: replyId,
        mode: this.runner.mode,
      });
      if (!run) continue; // this parent already invoked this agent
      const placeholder = await this.messages.insertReplyPlaceholder(replyId, trigger.room.id, agent.id, run.id);
      await this.events.emit(trigger.room.id, 'message', placeholder);
      started.push(run);
    }
    if (started.length) await this.emitRoom(trigger.room.id);
    for (const run of started) this.track(this.execute(run, trigger, members));
    return started;
  }

  private track(execution: Promise<void>): void {
    this.executing.add(execution);
    void execution.finally(() => this.executing.delete(execution));
  }

  private async execute(run: AgentRunRow, trigger: Trigger, members: RoomAgentRow[]): Promise<void> {
    const signal = this.active.start(run.id);
    const stream = new ReplyStream(run, this.events, this.runs, this.config.invocation.streamFlushMs, () =>
      this.active.abort(run.id, 'no longer in flight'),
    );
    try {
      const agent = await this.agents.owned(run.user_id, run.agent_id);
      if (!agent) throw new RunFailure('The agent was deleted');
      const history = await this.messages.recent(run.room_id, trigger.message.id, this.config.invocation.contextMessages);
      const { system, prompt } = buildPrompt({
        agent,
        room: trigger.room,
        teammates: members,
        tasks: await this.tasks.list(run.room_id),
        history,
        request: {
          from: trigger.message.author_type === 'agent' ? (trigger.message.agent?.name ?? 'an agent') : 'the user',
          text: trigger.message.content,
        },
      });
      const result = await this.runner.run({
        runId: run.id,
        agent,
        system,
        prompt,
        signal,
        onStarted: async ({ provider, remoteRunId }) => {
          if (!(await this.runs.markStarted(run.id, provider ?? null))) this.active.abort(run.id, 'no longer in flight');
          if (remoteRunId) await this.runs.setRemoteRunId(run.id, remoteRunId);
        },
        onText: (offset, text) => stream.append(offset, text),
      });
      stream.stop();
      if (!(await this.runs.finish(run.id, 'SUCCEEDED', null))) return; // cancelled or swept meanwhile
      for (const artifact of result.artifacts) {
        const saved = await this.artifacts.create(run.room_id, { ...artifact, agentId: run.agent_id, runId: run.id });
        if (saved) await this.events.emit(run.room_id, 'artifact', { action: 'created', artifact: saved });
      }
      await this.settleReply(run, 'complete', result.text);
      await this.afterReply(run, result.text);
    } catch (error) {
      stream.stop();
      if (error instanceof RunCancelled || signal.aborted) {
        // Whoever stopped it wrote the ending from the last saved text; the text streamed since is kept too.
        await this.keepPartialText(run, stream.text);
        return;
      }
      const reason = error instanceof RunFailure ? error.message : 'an internal error occurred (see the workspace API log)';
      if (!(error instanceof RunFailure)) this.logger.error({ err: error, runId: run.id }, 'invocation.failed');
      if (await this.runs.finish(run.id, 'FAILED', reason)) await this.settleEnded([{ ...run, error: reason }], 'error');
    } finally {
      this.active.finish(run.id);
    }
  }

  /** A stopped reply keeps what it had written, when that is more than what was last saved. */
  private async keepPartialText(run: AgentRunRow, text: string): Promise<void> {
    const current = await this.messages.byId(run.reply_message_id);
    if (!current || current.status !== 'cancelled' || !text || current.content.startsWith(text)) return;
    const message = await this.messages.finish(run.reply_message_id, text, 'cancelled');
    if (message) await this.events.emit(run.room_id, 'message', message);
  }

  /** After a successful reply: the room's statuses change, and teammates it mentions are invoked. */
  private async afterReply(run: AgentRunRow, text: string): Promise<void> {
    await this.emitRoom(run.room_id);
    const room = await this.rooms.byId(run.room_id);
    const reply = await this.messages.byId(run.reply_message_id);
    if (!room || room.paused || !reply) return;
    await this.invokeMentioned({ room, userId: run.user_id, message: { ...reply, content: text }, parent: run }, run.agent_id);
  }

  /**
   * Writes the reply's final form: the answer; for a failure one line with the run's error; for a
   * cancellation the text written so far (or "Cancelled.").
   */
  private async settleReply(run: AgentRunRow, status: Exclude<MessageStatus, 'streaming'>, answer?: string): Promise<void> {
    const current = await this.messages.byId(run.reply_message_id);
    if (!current) return;
    const content =
      status === 'complete'
        ? (answer ?? current.content)
        : status === 'error'
          ? `⚠️ ${await this.agentName(run)} could not reply: ${run.error ?? 'the run stopped'}`
          : current.content || 'Cancelled.';
    const message = await this.messages.finish(run.reply_message_id, content, status);
    if (message) await this.events.emit(run.room_id, 'message', message);
  }

  private async agentName(run: AgentRunRow): Promise<string> {
    return (await this.agents.owned(run.user_id, run.agent_id))?.name ?? 'The agent';
  }

  /** The room with its agents' current statuses, after runs started or ended. */
  private async emitRoom(roomId: string): Promise<void> {
    await this.announcer.announce(roomId);
  }
}

/**
 * A reply being streamed: text pieces go out as `message_delta` events at most every flush interval,
 * and are saved (with the run's activity time) every second; a save that finds the run no longer in
 * flight stops the runner.
 */
class ReplyStream {
  private content = '';

  /** Everything streamed so far. */
  get text(): string {
    return this.content;
  }

  /** Where the unsent part starts. */
  private sentUpTo = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving = false;

  constructor(
    private readonly run: AgentRunRow,
    private readonly events: RoomEvents,
    private readonly runs: RunsRepository,
    private readonly flushMs: number,
    private readonly stopRunner: () => void,
  ) {}

  append(offset: number, text: string): void {
    this.content = this.content.slice(0, offset) + text;
    this.sentUpTo = Math.min(this.sentUpTo, offset);
    this.flushTimer ??= setTimeout(() => this.flush(), this.flushMs);
    this.saveTimer ??= setTimeout(() => void this.save(), SAVE_EVERY_MS);
  }

  stop(): void {
    if (this.flushTimer) this.flush();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.sentUpTo === this.content.length) return;
    this.events.stream(this.run.room_id, 'message_delta', {
      message_id: this.run.reply_message_id,
      run_id: this.run.id,
      offset: this.sentUpTo,
      delta: this.content.slice(this.sentUpTo),
    });
    this.sentUpTo = this.content.length;
  }

  private async save(): Promise<void> {
    this.saveTimer = null;
    if (this.saving) return;
    this.saving = true;
    try {
      if (!(await this.runs.progress(this.run.id, this.run.reply_message_id, this.content))) this.stopRunner();
    } catch {
      // A failed progress save is retried with the next piece of text; the final write is what counts.
    } finally {
      this.saving = false;
    }
  }
}
