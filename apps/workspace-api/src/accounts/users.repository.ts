import { Injectable } from '@nestjs/common';
import type { SessionUser } from '../common/auth';
import { Sql, type SqlRunner } from '../core/sql';

/** Signups are decided one at a time (who is first, which invite is used): a short lock, after the password is hashed. */
const SIGNUP_LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('oz.workspace.signup', 0))`;

const USER_COLUMNS = 'id, name, email, is_admin';

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Sql) {}

  /**
   * Creates the user under the signup lock; `admit` decides, seeing whether any account exists yet,
   * whether this one may be created, and may write in the same transaction (using an invite). The
   * very first account is the instance admin. Throws a unique violation when the email is taken.
   */
  create(user: NewUser, admit: (tx: SqlRunner, first: boolean, userId: string) => Promise<void>): Promise<SessionUser> {
    return this.db.transaction(async (tx) => {
      await tx.rows(SIGNUP_LOCK);
      const first = (await tx.row(`SELECT 1 FROM users LIMIT 1`)) === null;
      const created = await tx.one<SessionUser>(
        `INSERT INTO users (name, email, password_hash, is_admin) VALUES ($1, $2, $3, $4) RETURNING ${USER_COLUMNS}`,
        [user.name, user.email, user.passwordHash, first],
      );
      await admit(tx, first, created.id);
      return created;
    });
  }

  /** Whether the instance has any account yet (the first may always sign up). */
  async any(): Promise<boolean> {
    return (await this.db.row(`SELECT 1 FROM users LIMIT 1`)) !== null;
  }

  /** `email` is already lower case. */
  byEmail(email: string): Promise<(SessionUser & { password_hash: string }) | null> {
    return this.db.row(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE lower(email) = $1`, [email]);
  }
}
