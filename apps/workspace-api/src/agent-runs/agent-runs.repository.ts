import { Injectable } from '@nestjs/common';
import type { AgentRunState } from '@oz/workspace-contract';
import { isUuid } from '@oz/server-kit';
import { AT_MICROS, POSITION, type PageCursor } from '../common/page-cursor';
import { Sql } from '../core/sql';
import type { AgentRun } from './agent-run';

/** The replies one message asks for: its mentions of the room's agents, in the order they appear. */
export interface NewAgentRuns {
  roomId: string;
  userId: string;
  parentRunId: string | null;
  depth: number;
  triggerMessageId: string;
  rootMessageId: string;
  mode: string;
  agents: { agentId: string; replyMessageId: string }[];
  /** OZ_MAX_RUNS_PER_MESSAGE and OZ_MAX_ACTIVE_RUNS_PER_USER, and what the room is told when each is reached. */
  caps: { perMessage: number; activePerUser: number; perMessageReason: string; activePerUserReason: string };
}

export interface StartedAgentRuns {
  started: AgentRun[];
  /** The agents asked beyond a cap, and the one refused run (of the first of them) that tells the room; null when none were. */
  refused: { run: AgentRun | null; agentIds: string[] } | null;
}

export type FinalAgentRunState = Exclude<AgentRunState, 'QUEUED' | 'INPROGRESS'>;

/**
 * Agent runs. Every state change is conditional on the run still being in flight, so a late callback,
 * a sweep and a finishing runner can race without a finished run ever changing again.
 */
@Injectable()
export class AgentRunsRepository {
  constructor(private readonly db: Sql) {}

  /**
   * Creates the runs `request` asks for, within the caps: runs started from its person's message so
   * far (refused ones aside) and the user's runs in flight, counted under a per-user lock, so replies
   * and messages racing each other cannot pass them. An agent this parent already invoked is skipped
   * (a duplicate mention or callback). Beyond a cap, one FAILED run marked `refused` is written for
   * the first agent left out, whose reply tells the room.
   */
  create(request: NewAgentRuns): Promise<StartedAgentRuns> {
    return this.db.transaction(async (tx) => {
      await tx.rows(`SELECT pg_advisory_xact_lock(hashtextextended('oz.workspace.agent_runs:' || $1, 0))`, [request.userId]);
      const counts = await tx.one<{ active: number; in_chain: number }>(
        `SELECT count(*) FILTER (WHERE state IN ('QUEUED', 'INPROGRESS'))::int AS active,
                count(*) FILTER (WHERE root_message_id = $2 AND NOT refused)::int AS in_chain
           FROM agent_runs WHERE user_id = $1 AND (state IN ('QUEUED', 'INPROGRESS') OR root_message_id = $2)`,
        [request.userId, request.rootMessageId],
      );
      const { caps } = request;
      const messageRoom = Math.max(0, caps.perMessage - counts.in_chain);
      const userRoom = Math.max(0, caps.activePerUser - counts.active);
      const admitted = Math.min(request.agents.length, messageRoom, userRoom);
      const started: AgentRun[] = [];
      for (const agent of request.agents.slice(0, admitted)) {
        const run = await tx.row<AgentRun>(
          `INSERT INTO agent_runs (room_id, agent_id, user_id, parent_run_id, depth, trigger_message_id, root_message_id, reply_message_id, state, mode)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'QUEUED', $9)
           ON CONFLICT (parent_run_id, agent_id) WHERE parent_run_id IS NOT NULL DO NOTHING
           RETURNING *`,
          [request.roomId, agent.agentId, request.userId, request.parentRunId, request.depth, request.triggerMessageId, request.rootMessageId, agent.replyMessageId, request.mode],
        );
        if (run) started.push(run);
      }
      const left = request.agents.slice(admitted);
      if (!left.length) return { started, refused: null };
      const reason = messageRoom <= userRoom ? caps.perMessageReason : caps.activePerUserReason;
      const run = await tx.row<AgentRun>(
        `INSERT INTO agent_runs (room_id, agent_id, user_id, parent_run_id, depth, trigger_message_id, root_message_id, reply_message_id, state, mode, error, refused, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'FAILED', $9, $10, true, now())
         ON CONFLICT (parent_run_id, agent_id) WHERE parent_run_id IS NOT NULL DO NOTHING
         RETURNING *`,
        [request.roomId, left[0].agentId, request.userId, request.parentRunId, request.depth, request.triggerMessageId, request.rootMessageId, left[0].replyMessageId, request.mode, reason],
      );
      return { started, refused: { run, agentIds: left.map((a) => a.agentId) } };
    });
  }

  /** The user's runs in flight, on every replica. */
  async activeCount(userId: string): Promise<number> {
    const row = await this.db.one<{ active: number }>(`SELECT count(*)::int AS active FROM agent_runs WHERE user_id = $1 AND state IN ('QUEUED', 'INPROGRESS')`, [userId]);
    return row.active;
  }

  async byId(runId: string): Promise<AgentRun | null> {
    if (!isUuid(runId)) return null;
    return this.db.row(`SELECT * FROM agent_runs WHERE id = $1`, [runId]);
  }

  /** Newest first, from just before `before`; each row with its `position` for the next cursor. */
  listForRoom(roomId: string, limit: number, before: PageCursor | null = null): Promise<(AgentRun & { position: string })[]> {
    return this.db.rows(
      `SELECT *, ${POSITION('agent_runs')} AS position FROM agent_runs
        WHERE room_id = $1 AND ($3::bigint IS NULL OR (created_at, id) < (${AT_MICROS('$3')}, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [roomId, limit, before?.micros ?? null, before?.id ?? null],
    );
  }

  /** Rooms where each of the user's agents has a run in flight. */
  async runningRooms(userId: string): Promise<Map<string, string[]>> {
    const rows = await this.db.rows<{ agent_id: string; room_ids: string[] }>(
      `SELECT agent_id, array_agg(DISTINCT room_id) AS room_ids FROM agent_runs
        WHERE user_id = $1 AND state IN ('QUEUED', 'INPROGRESS') GROUP BY agent_id`,
      [userId],
    );
    return new Map(rows.map((r) => [r.agent_id, r.room_ids]));
  }

  /** The run is working (and alive now: a heartbeat); false when it is no longer in flight. */
  async markInProgress(runId: string, provider: string | null): Promise<boolean> {
    return (
      (await this.db.affected(
        `UPDATE agent_runs SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), provider = coalesce($2, provider), last_activity_at = now()
          WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS')`,
        [runId, provider],
      )) > 0
    );
  }

  /** Keeps the sha256 of the run's callback token while the run is in flight; false when it has ended. */
  async setCallbackToken(runId: string, tokenSha256: Buffer): Promise<boolean> {
    return (await this.db.affected(`UPDATE agent_runs SET callback_token_sha256 = $2 WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS')`, [runId, tokenSha256])) > 0;
  }

  /**
   * Counts one write made with the run's callback token: `ok` when the run is in flight and below
   * `max` (one conditional UPDATE, so concurrent writes never pass the limit together), else `ended`
   * when it is no longer in flight, `exhausted` when it is at `max`.
   */
  async chargeCallbackWrite(runId: string, max: number): Promise<'ok' | 'ended' | 'exhausted'> {
    const charged = await this.db.affected(
      `UPDATE agent_runs SET callback_writes = callback_writes + 1 WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS') AND callback_writes < $2`,
      [runId, max],
    );
    if (charged > 0) return 'ok';
    const row = await this.db.row<{ in_flight: boolean }>(`SELECT state IN ('QUEUED', 'INPROGRESS') AS in_flight FROM agent_runs WHERE id = $1`, [runId]);
    return row?.in_flight ? 'exhausted' : 'ended';
  }

  async setRemoteRunId(runId: string, remoteRunId: string): Promise<void> {
    await this.db.affected(`UPDATE agent_runs SET remote_run_id = $2, last_activity_at = now() WHERE id = $1`, [runId, remoteRunId]);
  }

  /**
   * Saves the reply text so far, with a heartbeat, in one statement. False when the run is no longer
   * in flight (cancelled or swept): the runner stops.
   */
  async saveProgress(runId: string, messageId: string, content: string): Promise<boolean> {
    const row = await this.db.row<{ id: string }>(
      `WITH run AS (
         UPDATE agent_runs SET last_activity_at = now() WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS') RETURNING id
       )
       UPDATE messages SET content = $3, updated_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM run) RETURNING id`,
      [runId, messageId, content],
    );
    return row !== null;
  }

  /** Ends a run in flight; false when it had already ended (someone else decided first). */
  async finish(runId: string, state: FinalAgentRunState, error: string | null): Promise<boolean> {
    return (
      (await this.db.affected(
        `UPDATE agent_runs SET state = $2, error = $3, completed_at = now(), last_activity_at = now()
          WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS')`,
        [runId, state, error],
      )) > 0
    );
  }

  /** Cancels a room's runs in flight (pause, delete); returns them. */
  cancelActiveInRoom(roomId: string, reason: string): Promise<AgentRun[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'CANCELLED', error = $2, completed_at = now()
        WHERE room_id = $1 AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [roomId, reason],
    );
  }

  /** Cancels an agent's runs in flight (it is being deleted); returns them. */
  cancelActiveOfAgent(agentId: string, reason: string): Promise<AgentRun[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'CANCELLED', error = $2, completed_at = now()
        WHERE agent_id = $1 AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [agentId, reason],
    );
  }

  /** Fails runs in flight with no heartbeat since `cutoff`; returns them. */
  failStale(cutoff: Date, reason: string): Promise<AgentRun[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'FAILED', error = $2, completed_at = now()
        WHERE state IN ('QUEUED', 'INPROGRESS') AND last_activity_at < $1 RETURNING *`,
      [cutoff, reason],
    );
  }

  /** Fails the given runs if still in flight (this replica is stopping); returns those it ended. */
  failMany(runIds: string[], reason: string): Promise<AgentRun[]> {
    if (!runIds.length) return Promise.resolve([]);
    return this.db.rows(
      `UPDATE agent_runs SET state = 'FAILED', error = $2, completed_at = now()
        WHERE id = ANY($1::uuid[]) AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [runIds, reason],
    );
  }
}
