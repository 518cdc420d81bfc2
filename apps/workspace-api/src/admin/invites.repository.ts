import { Injectable } from '@nestjs/common';
import { isUuid } from '@oz/server-kit';
import { Sql, type SqlRunner } from '../core/sql';

export interface InviteRow {
  id: string;
  email: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_by: string | null;
}

const COLUMNS = 'id, email, created_by, created_at, expires_at, used_at, used_by';
const LISTED = 200;

/** Invites; tokens are kept as their SHA-256 only, and used with one conditional UPDATE. */
@Injectable()
export class InvitesRepository {
  constructor(private readonly db: Sql) {}

  create(tokenHash: string, email: string | null, createdBy: string, ttlSeconds: number): Promise<InviteRow> {
    return this.db.one(
      `INSERT INTO invites (token_hash, email, created_by, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING ${COLUMNS}`,
      [tokenHash, email, createdBy, ttlSeconds],
    );
  }

  list(): Promise<InviteRow[]> {
    return this.db.rows(`SELECT ${COLUMNS} FROM invites ORDER BY created_at DESC, id LIMIT $1`, [LISTED]);
  }

  /** False when there is no such invite. */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.db.affected(`DELETE FROM invites WHERE id = $1`, [id])) > 0;
  }

  /** An invite still usable by `email` (unused, unexpired, for that email or anyone), or null. */
  usable(tokenHash: string, email: string): Promise<InviteRow | null> {
    return this.db.row(
      `SELECT ${COLUMNS} FROM invites WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND (email IS NULL OR email = $2)`,
      [tokenHash, email],
    );
  }

  /** Marks the invite used by `userId`, in the signup's transaction; false when it was not usable any more. */
  async use(tx: SqlRunner, tokenHash: string, email: string, userId: string): Promise<boolean> {
    return (
      (await tx.affected(
        `UPDATE invites SET used_at = now(), used_by = $3
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND (email IS NULL OR email = $2)`,
        [tokenHash, email, userId],
      )) > 0
    );
  }
}
