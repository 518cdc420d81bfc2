import { Injectable } from '@nestjs/common';
import type { AgentRunState } from '@oz/workspace-contract';
import { isUuid } from '@oz/server-kit';
import { Sql } from '../core/sql';
import type { AgentRun } from './agent-run';

export interface NewAgentRun {
  roomId: string;
  agentId: string;
  userId: string;
  parentRunId: string | null;
  depth: number;
  triggerMessageId: string | null;
  replyMessageId: string;
  mode: string;
}

export type FinalAgentRunState = Exclude<AgentRunState, 'QUEUED' | 'INPROGRESS'>;

/**
 * Agent runs. Every state change is conditional on the run still being in flight, so a late callback,
 * a sweep and a finishing runner can race without a finished run ever changing again.
 */
@Injectable()
export class AgentRunsRepository {
  constructor(private readonly db: Sql) {}

  /** Null when this parent already invoked this agent (a duplicate mention or callback). */
  create(run: NewAgentRun): Promise<AgentRun | null> {
    return this.db.row(
      `INSERT INTO agent_runs (room_id, agent_id, user_id, parent_run_id, depth, trigger_message_id, reply_message_id, state, mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'QUEUED', $8)
       ON CONFLICT (parent_run_id, agent_id) WHERE parent_run_id IS NOT NULL DO NOTHING
       RETURNING *`,
      [run.roomId, run.agentId, run.userId, run.parentRunId, run.depth, run.triggerMessageId, run.replyMessageId, run.mode],
    );
  }

  async byId(runId: string): Promise<AgentRun | null> {
    if (!isUuid(runId)) return null;
    return this.db.row(`SELECT * FROM agent_runs WHERE id = $1`, [runId]);
  }

  listForRoom(roomId: string, limit: number): Promise<AgentRun[]> {
    return this.db.rows(`SELECT * FROM agent_runs WHERE room_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [roomId, limit]);
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
