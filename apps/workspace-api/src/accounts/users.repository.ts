import { Injectable } from '@nestjs/common';
import type { SessionUser } from '../common/auth';
import { Sql } from '../core/sql';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Sql) {}

  /** Throws a unique violation when the email (in any case) is taken. */
  create(name: string, email: string, passwordHash: string): Promise<SessionUser> {
    return this.db.one(`INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3) RETURNING id, name, email`, [name, email, passwordHash]);
  }

  /** `email` is already lower case. */
  byEmail(email: string): Promise<(SessionUser & { password_hash: string }) | null> {
    return this.db.row(`SELECT id, name, email, password_hash FROM users WHERE lower(email) = $1`, [email]);
  }
}
