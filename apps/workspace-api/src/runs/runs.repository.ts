import { Injectable } from '@nestjs/common';
import { isUuid } from '../common/ids';
import { Sql } from '../common/sql';
import type { AgentRunRow, AgentRunState } from './agent-run';

export interface NewRun {
  roomId: string;
  agentId: string;
  userId: string;
  parentRunId: string | null;
  depth: number;
  triggerMessageId: string | null;
  replyMessageId: string;
  mode: string;
}

/**
 * Agent runs. Every state change is conditional on the run still being in flight, so a late callback,
 * a sweep and a finishing runner can race without a finished run ever changing again.
 */
@Injectable()
export class RunsRepository {
  constructor(private readonly db: Sql) {}

  /** Null when this parent already invoked this agent (a duplicate mention or callback). */
  async create(run: NewRun): Promise<AgentRunRow | null> {
    return this.db.row(
      `INSERT INTO agent_runs (room_id, agent_id, user_id, parent_run_id, depth, trigger_message_id, reply_message_id, state, mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'QUEUED', $8)
       ON CONFLICT (parent_run_id, agent_id) WHERE parent_run_id IS NOT NULL DO NOTHING
       RETURNING *`,
      [run.roomId, run.agentId, run.userId, run.parentRunId, run.depth, run.triggerMessageId, run.replyMessageId, run.mode],
    );
  }

  async byId(runId: string): Promise<AgentRunRow | null> {
    if (!isUuid(runId)) return null;
    return this.db.row(`SELECT * FROM agent_runs WHERE id = $1`, [runId]);
  }

  async owned(userId: string, runId: string): Promise<AgentRunRow | null> {
    if (!isUuid(runId)) return null;
    return this.db.row(`SELECT * FROM agent_runs WHERE id = $1 AND user_id = $2`, [runId, userId]);
  }

  listForRoom(roomId: string, limit: number): Promise<AgentRunRow[]> {
    return this.db.rows(`SELECT * FROM agent_runs WHERE room_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [roomId, limit]);
  }

  async markStarted(runId: string, provider: string | null): Promise<boolean> {
    return (
      (await this.db.affected(
        `UPDATE agent_runs SET state = 'INPROGRESS', started_at = coalesce(started_at, now()), provider = coalesce($2, provider), last_activity_at = now()
          WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS')`,
        [runId, provider],
      )) > 0
    );
  }

  async setRemoteRunId(runId: string, remoteRunId: string): Promise<void> {
    await this.db.affected(`UPDATE agent_runs SET remote_run_id = $2, last_activity_at = now() WHERE id = $1`, [runId, remoteRunId]);
  }

  /**
   * Records progress: the reply text so far and the activity time. False when the run is no longer in
   * flight (cancelled or swept): the runner stops.
   */
  async progress(runId: string, messageId: string, content: string): Promise<boolean> {
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
  async finish(runId: string, state: Exclude<AgentRunState, 'QUEUED' | 'INPROGRESS'>, error: string | null): Promise<boolean> {
    return (
      (await this.db.affected(
        `UPDATE agent_runs SET state = $2, error = $3, completed_at = now(), last_activity_at = now()
          WHERE id = $1 AND state IN ('QUEUED', 'INPROGRESS')`,
        [runId, state, error],
      )) > 0
    );
  }

  /** Cancels a room's runs in flight (pause, delete); returns them. */
  cancelActiveInRoom(roomId: string, reason: string): Promise<AgentRunRow[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'CANCELLED', error = $2, completed_at = now()
        WHERE room_id = $1 AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [roomId, reason],
    );
  }

  /** Cancels an agent's runs in flight (it is being deleted); returns them. */
  cancelActiveOfAgent(agentId: string, reason: string): Promise<AgentRunRow[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'CANCELLED', error = $2, completed_at = now()
        WHERE agent_id = $1 AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [agentId, reason],
    );
  }

  /** Fails runs in flight with no activity since `cutoff`; returns them. */
  failStale(cutoff: Date, reason: string): Promise<AgentRunRow[]> {
    return this.db.rows(
      `UPDATE agent_runs SET state = 'FAILED', error = $2, completed_at = now()
        WHERE state IN ('QUEUED', 'INPROGRESS') AND last_activity_at < $1 RETURNING *`,
      [cutoff, reason],
    );
  }

  /** Fails the given runs if still in flight (this replica is stopping); returns those it ended. */
  failMany(runIds: string[], reason: string): Promise<AgentRunRow[]> {
    if (!runIds.length) return Promise.resolve([]);
    return this.db.rows(
      `UPDATE agent_runs SET state = 'FAILED', error = $2, completed_at = now()
        WHERE id = ANY($1::uuid[]) AND state IN ('QUEUED', 'INPROGRESS') RETURNING *`,
      [runIds, reason],
    );
  }
}
