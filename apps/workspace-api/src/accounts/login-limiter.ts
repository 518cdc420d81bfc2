import { Inject, Injectable } from '@nestjs/common';
import { Sql } from '../core/sql';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

/**
 * Failed logins counted per (email, address) in a fixed window kept in PostgreSQL, so every replica
 * sees the same count. Only failures count, and a success clears them.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    private readonly db: Sql,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  /** Seconds until another attempt is allowed, or 0 when one is. */
  async retryAfter(key: string): Promise<number> {
    const rows: { wait: number }[] = await this.db.rows(
      `SELECT ceil(extract(epoch FROM window_started_at + make_interval(secs => $2) - now()))::int AS wait
         FROM login_failures WHERE key = $1 AND failures >= $3 AND window_started_at + make_interval(secs => $2) > now()`,
      [key, this.config.login.windowSeconds, this.config.login.maxFailures],
    );
    return rows[0] ? Math.max(1, rows[0].wait) : 0;
  }

  async recordFailure(key: string): Promise<void> {
    await this.db.rows(
      `INSERT INTO login_failures (key, window_started_at, failures) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN login_failures.window_started_at + make_interval(secs => $2) > now() THEN login_failures.failures + 1 ELSE 1 END,
         window_started_at = CASE WHEN login_failures.window_started_at + make_interval(secs => $2) > now() THEN login_failures.window_started_at ELSE now() END`,
      [key, this.config.login.windowSeconds],
    );
  }

  async clear(key: string): Promise<void> {
    await this.db.rows(`DELETE FROM login_failures WHERE key = $1`, [key]);
  }
}
