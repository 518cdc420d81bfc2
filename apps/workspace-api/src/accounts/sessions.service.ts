import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { SESSION_COOKIE, type SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { Sql } from '../core/sql';

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface StartedSession {
  token: string;
  /** The Set-Cookie value that carries it. */
  cookie: string;
}

/** Server-side sessions: logging out really ends one, which a bare signed token could not. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly db: Sql,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  async start(userId: string): Promise<StartedSession> {
    const token = randomBytes(32).toString('base64url');
    const ttlSeconds = this.config.sessions.ttlSeconds;
    await this.db.rows(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [hashOf(token), userId, new Date(Date.now() + ttlSeconds * 1000)]);
    // Expired sessions of this user go now, so the table cannot grow without bound.
    await this.db.rows(`DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()`, [userId]);
    return { token, cookie: this.cookie(token, ttlSeconds) };
  }

  async userFor(token: string | null): Promise<SessionUser | null> {
    if (!token || token.length > 200) return null;
    return this.db.row(
      `SELECT u.id, u.name, u.email, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [hashOf(token)],
    );
  }

  async end(token: string | null): Promise<void> {
    if (token) await this.db.rows(`DELETE FROM sessions WHERE token_hash = $1`, [hashOf(token)]);
  }

  clearedCookie(): string {
    return this.cookie('', 0);
  }

  private cookie(token: string, maxAgeSeconds: number): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${this.config.sessions.secureCookie ? '; Secure' : ''}`;
  }
}
