import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Sql } from '../common/sql';
import type { SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Server-side sessions: logging out really ends one, which a bare signed token could not. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly db: Sql,
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
  ) {}

  async start(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.sessions.ttlSeconds * 1000);
    await this.db.rows(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [hashOf(token), userId, expiresAt]);
    // Expired sessions of this user go now, so the table cannot grow without bound.
    await this.db.rows(`DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()`, [userId]);
    return { token, expiresAt };
  }

  async userFor(token: string | null): Promise<SessionUser | null> {
    if (!token || token.length > 200) return null;
    const rows: SessionUser[] = await this.db.rows(
      `SELECT u.id, u.name, u.email FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [hashOf(token)],
    );
    return rows[0] ?? null;
  }

  async end(token: string | null): Promise<void> {
    if (token) await this.db.rows(`DELETE FROM sessions WHERE token_hash = $1`, [hashOf(token)]);
  }

  cookie(token: string, expiresAt: Date): string {
    const maxAge = Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000));
    return `oz_session=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${this.config.sessions.secureCookie ? '; Secure' : ''}`;
  }

  clearedCookie(): string {
    return `oz_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${this.config.sessions.secureCookie ? '; Secure' : ''}`;
  }
}
