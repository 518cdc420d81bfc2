import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import type { SessionUser } from '../common/auth';
import type { LoginDto } from './dto/login.dto';
import type { SignupDto } from './dto/signup.dto';
import { LoginLimiter } from './login-limiter';
import { passwordProblem } from './password-rules';
import { SessionsService, type StartedSession } from './sessions.service';
import { UsersRepository } from './users.repository';

/** Compared against when the email is unknown, so a login takes as long whether or not the account exists. */
let dummyHash: Promise<string> | null = null;

/** Signing up, logging in and out; each login is a server-side session (sessions.service.ts). */
@Injectable()
export class AccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly limiter: LoginLimiter,
  ) {}

  async signup(input: SignupDto): Promise<{ user: SessionUser; session: StartedSession }> {
    const problem = passwordProblem(input.password, input.email, input.name);
    if (problem) throw ApiException.badRequest(problem, [{ field: 'password', message: problem }]);
    const passwordHash = await hash(input.password);
    let user: SessionUser;
    try {
      user = await this.users.create(input.name, input.email, passwordHash);
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiException.conflict('An account with this email already exists');
      throw error;
    }
    return { user, session: await this.sessions.start(user.id) };
  }

  /** Failed logins are limited per email and client address. */
  async login(input: LoginDto, address: string): Promise<{ user: SessionUser; session: StartedSession }> {
    const key = `${input.email}|${address}`;
    const wait = await this.limiter.retryAfter(key);
    if (wait > 0) {
      throw new ApiException(429, 'rate_limited', `Too many failed logins; try again in ${wait} s`, undefined, wait);
    }
    const found = await this.users.byEmail(input.email);
    const valid = found ? await verify(found.password_hash, input.password) : await verify(await (dummyHash ??= hash('not a password')), input.password);
    if (!found || !valid) {
      await this.limiter.recordFailure(key);
      throw new ApiException(401, 'invalid_credentials', 'Email or password is incorrect');
    }
    await this.limiter.clear(key);
    const user = { id: found.id, name: found.name, email: found.email };
    return { user, session: await this.sessions.start(user.id) };
  }

  /** Ends the session (if any); returns the Set-Cookie value that clears it in the browser. */
  async logout(token: string | null): Promise<string> {
    await this.sessions.end(token);
    return this.sessions.clearedCookie();
  }
}
