import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { newReplicaId } from '@oz/server-kit';
import Redis from 'ioredis';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../../config/workspace.config';

/** Takes the lease if free, renews it if ours; 1 when held afterwards. */
const HOLD = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/** Gives the lease up, if ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** How long a handed-over position is kept: a user back within it resumes without missing a change. */
const CURSOR_TTL_SECONDS = 3600;

/**
 * Which replica feeds a user's channel from the control plane. Without Redis there is one replica and
 * it always does. With Redis, a user connected to several replicas is polled by one of them: each
 * round, a replica renews its lease on the users it feeds (a key per user, expiring after a few
 * rounds) and skips those another replica holds; the holder keeps the feed's position in Redis, so
 * whoever takes over (the holder stopped, or the user's tabs moved) continues from it and no change
 * is sent twice or lost. Events still go to every replica through the user's stream.
 */
@Injectable()
export class FeedLeases implements OnApplicationShutdown {
  private readonly logger = new Logger('control-plane');
  private readonly redis: Redis | null;
  private readonly replica = newReplicaId();
  private readonly ttlMs: number;
  private readonly cursors = new Map<string, string>();

  constructor(@Inject(WORKSPACE_CONFIG) config: WorkspaceConfig) {
    this.ttlMs = Math.max(5_000, 5 * config.controlPlaneViews.pollIntervalMs);
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true, connectionName: 'oz-workspace-cp-feeds' })
      : null;
    this.redis?.on('error', (error) => this.logger.warn({ err: error }, 'feeds.redis_error'));
  }

  /** True when this replica feeds the user this round (it took or renewed the lease). */
  async hold(userId: string): Promise<boolean> {
    if (!this.redis) return true;
    return (await this.redis.eval(HOLD, 1, this.key(userId), this.replica, String(this.ttlMs))) === 1;
  }

  async release(userId: string): Promise<void> {
    this.cursors.delete(userId);
    await this.redis?.eval(RELEASE, 1, this.key(userId), this.replica);
  }

  /** Where the last holder's feed stood (the newest `updated_at` it had seen), if known. */
  async position(userId: string): Promise<string | null> {
    if (!this.redis) return this.cursors.get(userId) ?? null;
    return this.redis.get(`${this.key(userId)}:position`);
  }

  async savePosition(userId: string, position: string): Promise<void> {
    if (!this.redis) {
      this.cursors.set(userId, position);
      return;
    }
    await this.redis.set(`${this.key(userId)}:position`, position, 'EX', CURSOR_TTL_SECONDS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private key(userId: string): string {
    return `oz:workspace:cp-feed:${userId}`;
  }
}
