import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type AgentRunView, mentionedNames, type MessageView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { randomUUID } from 'node:crypto';
import { ActiveRuns } from '../agent-runs/active-runs';
import { agentRunView, type AgentRun } from '../agent-runs/agent-run';
import { AgentRunsService } from '../agent-runs/agent-runs.service';
import { ReplyWriter } from '../agent-runs/reply-writer';
import { RunCallbacks } from '../agent-runs/run-callbacks';
import { AgentsService } from '../agents/agents.service';
import { notFound } from '../common/not-found';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { SecretsUnavailable } from '../core/sealed-secrets';
import { RoomEvents } from '../events/room-events';
import { MessagesService } from '../messages/messages.service';
import type { RoomAgentRow, RoomRow } from '../rooms/room.view';
import { RoomsService } from '../rooms/rooms.service';
import { TasksService } from '../tasks/tasks.service';
import { AgentRunner, RunCancelled, RunFailure } from './agent-runner';
import { buildPrompt } from './prompt';
import { ReplyStream } from './reply-stream';
import { heartbeatInterval } from './stale-run-sweeper';

/** A user at the cap of replies in progress may try again in a little while; replies take seconds to minutes. */
const ACTIVE_RUNS_RETRY_SECONDS = 10;

interface Trigger {
  room: RoomRow;
  userId: string;
  /** The message that mentioned the agents. */
  message: MessageView;
  /** The run whose reply mentioned them; null for a person's message. */
  parent: AgentRun | null;
}

/**
 * Agent invocation: an @mention of a room's agent starts a run that replies in the room, streaming its
 * text as `message_delta` events; a reply that mentions teammates invokes them in turn, one level
 * deeper, up to OZ_MAX_MENTION_DEPTH. Depth always comes from the parent run's row, never from a
 * request, so no path resets it. However a run ends, ReplyWriter writes its ending.
 */
@Injectable()
export class InvocationService implements OnModuleDestroy {
  private readonly logger = new Logger('invocation');
  private readonly executing = new Set<Promise<void>>();

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    private readonly runner: AgentRunner,
    private readonly runs: AgentRunsService,
    private readonly replies: ReplyWriter,
    private readonly active: ActiveRuns,
    private readonly rooms: RoomsService,
    private readonly agents: AgentsService,
    private readonly messages: MessagesService,
    private readonly tasks: TasksService,
    private readonly events: RoomEvents,
    private readonly callbacks: RunCallbacks,
  ) {}

  /**
   * Refuses a person's message, before it is posted, when it would start more replies than the caps
   * allow: more agents mentioned than one message may ask (400), or more than the user may have in
   * progress at once (429). A message that slips past in a race is capped when its runs start.
   */
  async admit(room: RoomRow, userId: string, content: string): Promise<void> {
    if (room.paused || !content.includes('@')) return;
    const members = await this.rooms.members(room.id);
    const asked = mentionedNames(content, members.map((m) => m.name)).length;
    if (!asked) return;
    const { maxRunsPerMessage, maxActiveRunsPerUser } = this.config.invocation;
    if (asked > maxRunsPerMessage) {
      throw new ApiException(
        400,
        'too_many_mentions',
        `This message mentions ${asked} agents; one message may ask at most ${maxRunsPerMessage} for a reply (OZ_MAX_RUNS_PER_MESSAGE). Mention fewer.`,
      );
    }
    const active = await this.runs.activeCount(userId);
    if (active + asked > maxActiveRunsPerUser) {
      throw new ApiException(
        429,
        'too_many_active_runs',
        `${active} of your agent replies are in progress and this message asks for ${asked} more; at most ${maxActiveRunsPerUser} may run at once (OZ_MAX_ACTIVE_RUNS_PER_USER). Wait for some to finish, or cancel them.`,
        undefined,
        ACTIVE_RUNS_RETRY_SECONDS,
      );
    }
  }

  /** Invokes the room's agents a person's message mentions; nothing while the room is paused. */
  async onHumanMessage(room: RoomRow, userId: string, message: MessageView): Promise<AgentRunView[]> {
    if (room.paused) return [];
    return (await this.invokeMentioned({ room, userId, message, parent: null }, null)).map(agentRunView);
  }

  /**
   * The teammates an agent's message mentions, posted with its run's room callback token while the run
   * works, reply one level deeper than that run (as its reply's mentions would: same caps, and the
   * unique (parent, agent) pair invokes each of them at most once per run).
   */
  async onAgentMessage(runId: string, message: MessageView): Promise<AgentRunView[]> {
    const run = await this.runs.find(runId);
    if (!run || (run.state !== 'QUEUED' && run.state !== 'INPROGRESS')) return [];
    const room = await this.rooms.find(run.room_id);
    if (!room || room.paused) return [];
    return (await this.invokeMentioned({ room, userId: run.user_id, message, parent: run }, run.agent_id)).map(agentRunView);
  }

  /**
   * A run's reply delivered from outside (`POST /api/agent-response`): it ends the run as if the agent
   * had answered. Delivered twice it is a duplicate; for a run that ended otherwise, a conflict.
   */
  async deliverReply(runId: string, text: string): Promise<{ run_id: string; duplicate: boolean }> {
    const run = await this.runs.find(runId);
    if (!run) throw notFound('Run', runId);
    if (await this.replies.answer(run, text)) {
      await this.afterAnswer(run, text);
      return { run_id: run.id, duplicate: false };
    }
    // Delivered twice: fine when it already ended this way, a conflict otherwise (gone with its room: not found).
    const current = await this.runs.find(run.id);
    if (!current) throw notFound('Run', runId);
    if (current.state === 'SUCCEEDED') return { run_id: run.id, duplicate: true };
    throw ApiException.conflict(`Run ${run.id} has already ended (${current.state})`);
  }

  /** First of the shutdown hooks: the database and the event bus are still open, and so are the event streams. */
  async onModuleDestroy(): Promise<void> {
    await this.replies
      .failExecuting('The workspace API stopped while this reply was being written; ask again.')
      .catch((error) => this.logger.warn({ err: error }, 'shutdown.settle_failed'));
    await Promise.allSettled([...this.executing]);
  }

  private async invokeMentioned(trigger: Trigger, exceptAgentId: string | null): Promise<AgentRun[]> {
    if (!trigger.message.content.includes('@')) return []; // no mention possible: spare the lookup
    const members = await this.rooms.members(trigger.room.id);
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
    const byName = new Map(members.map((m) => [m.name.toLowerCase(), m]));
    // Names come from the members, so each is found.
    const agents = names.map((name) => byName.get(name.toLowerCase())).filter((agent): agent is RoomAgentRow => agent !== undefined);
    const { maxRunsPerMessage, maxActiveRunsPerUser } = this.config.invocation;
    const { started, refused } = await this.runs.start(
      {
        roomId: trigger.room.id,
        userId: trigger.userId,
        parentRunId: trigger.parent?.id ?? null,
        depth,
        triggerMessageId: trigger.message.id,
        // Runs from before the cap was counted have no root: their trigger stands in.
        rootMessageId: trigger.parent ? (trigger.parent.root_message_id ?? trigger.parent.trigger_message_id ?? trigger.message.id) : trigger.message.id,
        mode: this.runner.mode,
        agents: agents.map((agent) => ({ agentId: agent.id, replyMessageId: randomUUID() })),
        caps: {
          perMessage: maxRunsPerMessage,
          activePerUser: maxActiveRunsPerUser,
          perMessageReason: `this conversation already started ${maxRunsPerMessage} agent replies, the most one message may start (OZ_MAX_RUNS_PER_MESSAGE)`,
          activePerUserReason: `${maxActiveRunsPerUser} agent replies of this user are already in progress, the most at once (OZ_MAX_ACTIVE_RUNS_PER_USER); ask again when they finish`,
        },
      },
      new Map(agents.map((agent) => [agent.id, agent.name])),
    );
    if (refused) {
      this.logger.log({ roomId: trigger.room.id, parentRunId: trigger.parent?.id, refused: refused.agentIds.length }, 'invocation.capped');
    }
    if (started.length || refused?.run) await this.rooms.announceById(trigger.room.id);
    for (const run of started) this.track(this.execute(run, trigger, members));
    return started;
  }

  private track(execution: Promise<void>): void {
    this.executing.add(execution);
    void execution.finally(() => this.executing.delete(execution));
  }

  private async execute(run: AgentRun, trigger: Trigger, members: RoomAgentRow[]): Promise<void> {
    const stopRunner = () => this.active.abort(run.id, 'no longer in flight');
    const stream = new ReplyStream(run, this.events, this.runs, this.config.invocation.streamFlushMs, stopRunner);
    const signal = this.active.start(run.id, () => stream.text);
    try {
      const agent = await this.agents.forRun(run.user_id, run.agent_id).catch((error: unknown) => {
        // Its secrets cannot be opened (the server lost its OZ_SECRETS_KEY): say so in the room.
        throw error instanceof SecretsUnavailable ? new RunFailure(error.message) : error;
      });
      if (!agent) throw new RunFailure('The agent was deleted');
      // An agent in a task container gets a token of this run to post to its room (oz-room).
      const callback = this.runner.runsInContainer(agent) ? await this.callbacks.open(run) : null;
      const { system, prompt } = buildPrompt({
        roomCallbacks: callback !== null,
        agent,
        room: trigger.room,
        teammates: members,
        tasks: await this.tasks.listOf(run.room_id),
        history: await this.messages.history(run.room_id, trigger.message.id, this.config.invocation.contextMessages),
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
        callback,
        signal,
        started: async ({ provider, remoteRunId }) => {
          if (!(await this.runs.markInProgress(run.id, provider ?? null))) stopRunner();
          if (remoteRunId) await this.runs.setRemoteRunId(run.id, remoteRunId);
        },
        heartbeat: async () => {
          if (!(await this.runs.markInProgress(run.id, null))) stopRunner();
        },
        heartbeatEveryMs: heartbeatInterval(this.config.invocation.staleAfterMs),
        onText: (offset, text) => stream.append(offset, text),
      });
      stream.stop();
      this.active.finish(run.id); // the runner is done: nothing here is left to stop
      // False when it was cancelled or swept meanwhile (that path wrote the ending).
      if (await this.replies.answer(run, result.text, result.artifacts)) await this.afterAnswer(run, result.text);
    } catch (error) {
      stream.stop();
      if (error instanceof RunCancelled || signal.aborted) {
        // Whoever stopped it wrote the ending from the last saved text; the text streamed since is kept too.
        await this.replies.keepStreamedText(run, stream.text);
        return;
      }
      const reason = error instanceof RunFailure ? error.message : 'an internal error occurred (see the workspace API log)';
      if (!(error instanceof RunFailure)) this.logger.error({ err: error, runId: run.id }, 'invocation.failed');
      await this.replies.fail(run, reason);
    } finally {
      this.active.finish(run.id);
    }
  }

  /** The teammates an answer mentions reply in turn, one level deeper (unless the room was paused meanwhile). */
  private async afterAnswer(run: AgentRun, text: string): Promise<void> {
    const room = await this.rooms.find(run.room_id);
    const reply = await this.messages.byId(run.reply_message_id);
    if (!room || room.paused || !reply) return;
    await this.invokeMentioned({ room, userId: run.user_id, message: { ...reply, content: text }, parent: run }, run.agent_id);
  }
}
