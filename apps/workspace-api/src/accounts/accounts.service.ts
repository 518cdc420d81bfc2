import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import { Sql } from '../common/sql';
import type { SessionUser } from '../common/auth';
import type { LoginDto, SignupDto } from './accounts.dto';
import { LoginLimiter } from './login-limiter';
import { passwordProblem } from './password-rules';

/** Compared against when the email is unknown, so a login takes as long whether or not the account exists. */
let dummyHash: Promise<string> | null = null;

@Injectable()
export class AccountsService {
  constructor(
    private readonly db: Sql,
    private readonly limiter: LoginLimiter,
  ) {}

  async signup(input: SignupDto): Promise<SessionUser> {
    const problem = passwordProblem(input.password, input.email, input.name);
    if (problem) throw ApiException.badRequest(problem, [{ field: 'password', message: problem }]);
    const passwordHash = await hash(input.password);
    try {
      const rows: SessionUser[] = await this.db.rows(
        `INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3) RETURNING id, name, email`,
        [input.name, input.email, passwordHash],
      );
      return rows[0];
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiException.conflict('An account with this email already exists');
      throw error;
    }
  }

  async login(input: LoginDto, address: string): Promise<SessionUser> {
    const key = `${input.email}|${address}`;
    const wait = await this.limiter.retryAfter(key);
    if (wait > 0) {
      throw new ApiException(429, 'rate_limited', `Too many failed logins; try again in ${wait} s`, undefined, wait);
    }
    const rows: (SessionUser & { password_hash: string })[] = await this.db.rows(
      `SELECT id, name, email, password_hash FROM users WHERE lower(email) = $1`,
      [input.email],
    );
    const user = rows[0];
    const valid = user ? await verify(user.password_hash, input.password) : await verify(await (dummyHash ??= hash('not a password')), input.password);
    if (!user || !valid) {
      await this.limiter.recordFailure(key);
      throw new ApiException(401, 'invalid_credentials', 'Email or password is incorrect');
    }
    await this.limiter.clear(key);
    return { id: user.id, name: user.name, email: user.email };
  }
}
