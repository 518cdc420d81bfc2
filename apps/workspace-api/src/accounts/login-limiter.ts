import { Inject, Injectable } from '@nestjs/common';
import { ApiException } from '@oz/server-kit';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { Sql } from '../core/sql';

/** The two counters one login attempt is charged to. */
export interface LoginAttempt {
  accountKey: string;
  addressKey: string;
}

/** Expired windows are swept every this many attempts of a replica, so the table holds only live ones. */
const SWEEP_EVERY = 100;

/**
 * Login attempts counted in PostgreSQL (every replica sees the same counts), per account (the email,
 * whatever address it is tried from) and per client address (whatever account it tries), each in a
 * fixed window with its own limit. An attempt is *reserved* on both counters, in one transaction,
 * before the password is checked: concurrent attempts cannot all slip under the limit, and while an
 * account is limited even its right password is refused. A success gives the reservation back (the
 * account's count restarts; the address keeps its earlier failures), and so does an attempt that was
 * never checked (the server was too busy).
 */
@Injectable()
export class LoginLimiter {
  private attempts = 0;

  constructor(
    private readonly db: Sql,
    @Inject(WORKSPACE_CONFIG) private readonly config: Pick<WorkspaceConfig, 'login'>,
  ) {}

  /** Charges an attempt to both counters, or throws 429 (with how long to wait) when either is spent. */
  async reserve(email: string, address: string): Promise<LoginAttempt> {
    const attempt = { accountKey: `account:${email}`, addressKey: `address:${address}` };
    const { windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress } = this.config.login;
    await this.db.transaction(async (tx) => {
      // Both rows in one statement, account first (its key sorts first), so concurrent attempts lock
      // them in the same order. A counter at its limit in a live window is left as it is.
      const charged = await tx.rows<{ key: string }>(
        `INSERT INTO login_failures AS f (key, window_started_at, failures) VALUES ($1, now(), 1), ($2, now(), 1)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_started_at + make_interval(secs => $3) > now() THEN f.failures + 1 ELSE 1 END,
           window_started_at = CASE WHEN f.window_started_at + make_interval(secs => $3) > now() THEN f.window_started_at ELSE now() END
         WHERE f.window_started_at + make_interval(secs => $3) <= now()
            OR f.failures < CASE WHEN f.key = $1 THEN $4::int ELSE $5::int END
         RETURNING key`,
        [attempt.accountKey, attempt.addressKey, windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress],
      );
      if (charged.length === 2) return;
      const spent = await tx.one<{ wait: number }>(
        `SELECT coalesce(max(ceil(extract(epoch FROM window_started_at + make_interval(secs => $3) - now()))), 1)::int AS wait
           FROM login_failures
          WHERE window_started_at + make_interval(secs => $3) > now()
            AND ((key = $1 AND failures >= $4) OR (key = $2 AND failures >= $5))`,
        [attempt.accountKey, attempt.addressKey, windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress],
      );
      // Throwing rolls back the counter that was charged: a refused attempt costs nothing more.
      throw new ApiException(429, 'rate_limited', `Too many failed logins; try again in ${Math.max(1, spent.wait)} s`, undefined, Math.max(1, spent.wait));
    });
    if (++this.attempts % SWEEP_EVERY === 0) void this.sweep();
    return attempt;
  }

  /** The password was right: the account's count restarts, and this attempt is not held against the address. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.db.affected(`DELETE FROM login_failures WHERE key = $1`, [attempt.accountKey]);
    await this.refundOne(attempt.addressKey);
  }

  /** The attempt was never checked (no password-check slot): neither counter keeps it. */
  async cancelled(attempt: LoginAttempt): Promise<void> {
    await this.refundOne(attempt.accountKey);
    await this.refundOne(attempt.addressKey);
  }

  private async refundOne(key: string): Promise<void> {
    await this.db.affected(`UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0`, [key]);
  }

  private async sweep(): Promise<void> {
    await this.db
      .affected(`DELETE FROM login_failures WHERE window_started_at + make_interval(secs => $1) < now()`, [this.config.login.windowSeconds])
      .catch(() => undefined); // housekeeping: the next sweep tries again
  }
}
