import { Inject, Injectable } from '@nestjs/common';
import { ApiException, isUuid } from '@oz/server-kit';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentCaller } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import type { AgentRun } from './agent-run';
import { AgentRunsRepository } from './agent-runs.repository';

/** Every room callback token starts with this, so the agent routes tell one from any other bearer. */
export const ROOM_TOKEN_PREFIX = 'oz_room_';

/** `oz_room_<the run id, 32 hex>_<32 random bytes, base64url>`. */
const TOKEN_SHAPE = /^oz_room_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** What a run in a task container is given to post to its room: this API's `/api` and its token. */
export interface RoomCallback {
  apiUrl: string;
  token: string;
}

/**
 * Room callback tokens, one per agent run that executes in a task container. The token names its run
 * (the selector, not a secret) and carries 32 random bytes; only its sha256 is stored, on the run's row.
 * It opens the internal agent routes for that run's room and run, as that run's agent, while the run
 * is unfinished: every route checks that on each call, on every replica, so a run's end revokes it at
 * once. Hashes are compared in constant time.
 */
@Injectable()
export class RunCallbacks {
  constructor(
    private readonly runs: AgentRunsRepository,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  /** A token for the run, stored as its hash; null when no callback URL is configured or the run has ended. */
  async open(run: AgentRun): Promise<RoomCallback | null> {
    const { apiUrl } = this.config.callbacks;
    if (!apiUrl) return null;
    const token = `${ROOM_TOKEN_PREFIX}${run.id.replaceAll('-', '')}_${randomBytes(32).toString('base64url')}`;
    return (await this.runs.setCallbackToken(run.id, sha256(token))) ? { apiUrl, token } : null;
  }

  /**
   * The caller a token stands for, or a 401: unknown, malformed, or its run has ended (the same words
   * for all three, so a guess learns nothing).
   */
  async identify(token: string): Promise<Extract<AgentCaller, { kind: 'run' }>> {
    const match = TOKEN_SHAPE.exec(token);
    const runId = match ? uuidOf(match[1]) : null;
    const run = runId ? await this.runs.byId(runId) : null;
    // Compared whether or not the run was found, so the time taken tells nothing either.
    const stored = run?.callback_token_sha256 ?? Buffer.alloc(32);
    const matches = timingSafeEqual(sha256(token), stored.length === 32 ? stored : Buffer.alloc(32));
    if (!run || !matches || !run.callback_token_sha256 || !isInFlight(run)) {
      throw new ApiException(401, 'callback_token_invalid', 'The room callback token is not valid: unknown, or its run has ended');
    }
    return { kind: 'run', runId: run.id, roomId: run.room_id, agentId: run.agent_id };
  }

  /**
   * Counts a write of the run's token: 401 once its run has ended, 403 past OZ_ROOM_CALLBACK_MAX_WRITES
   * (not 429: waiting frees nothing, the budget is the run's).
   */
  async chargeWrite(caller: Extract<AgentCaller, { kind: 'run' }>): Promise<void> {
    const { maxWritesPerRun } = this.config.callbacks;
    const outcome = await this.runs.chargeCallbackWrite(caller.runId, maxWritesPerRun);
    if (outcome === 'ended') throw new ApiException(401, 'callback_token_invalid', 'The room callback token is not valid: unknown, or its run has ended');
    if (outcome === 'exhausted') {
      throw new ApiException(
        403,
        'callback_writes_exhausted',
        `This run has made ${maxWritesPerRun} writes to its room with its callback token, the most one run may (OZ_ROOM_CALLBACK_MAX_WRITES)`,
      );
    }
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function uuidOf(hex: string): string | null {
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return isUuid(id) ? id : null;
}

function isInFlight(run: AgentRun): boolean {
  return run.state === 'QUEUED' || run.state === 'INPROGRESS';
}
