import { Inject, Injectable } from '@nestjs/common';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import { InvitesService } from '../admin/invites.service';
import type { SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import type { LoginDto } from './dto/login.dto';
import type { SignupDto } from './dto/signup.dto';
import { LoginLimiter } from './login-limiter';
import { PasswordChecksBusy, PasswordHasher } from './password-hasher';
import { passwordProblem } from './password-rules';
import { SessionsService, type StartedSession } from './sessions.service';
import { UsersRepository } from './users.repository';

/**
 * Signing up, logging in and out; each login is a server-side session (sessions.service.ts). Who may
 * sign up follows OZ_SIGNUP; the first account may always, and is the instance admin.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly limiter: LoginLimiter,
    private readonly passwords: PasswordHasher,
    private readonly invites: InvitesService,
    @Inject(WORKSPACE_CONFIG) private readonly config: Pick<WorkspaceConfig, 'signup'>,
  ) {}

  async signup(input: SignupDto): Promise<{ user: SessionUser; session: StartedSession }> {
    const problem = passwordProblem(input.password, input.email, input.name);
    if (problem) throw ApiException.badRequest(problem, [{ field: 'password', message: problem }]);
    // Refused early, before the costly hash, when it cannot work; decided for good under the signup lock.
    if (this.config.signup.mode !== 'open' && (await this.users.any())) await this.admitNotFirst(input);
    const passwordHash = await this.passwords.hash(input.password);
    let user: SessionUser;
    try {
      user = await this.users.create({ name: input.name, email: input.email, passwordHash }, async (tx, first, userId) => {
        if (first || this.config.signup.mode === 'open') return;
        this.refuseWithoutInvite(input);
        await this.invites.use(tx, input.invite_token as string, input.email, userId);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiException.conflict('An account with this email already exists');
      throw error;
    }
    return { user, session: await this.sessions.start(user.id) };
  }

  /**
   * Failed logins are limited per account and per address. The attempt is counted before the password
   * is checked, so racing attempts cannot pass the limit, and a limited account refuses even the right
   * password.
   */
  async login(input: LoginDto, address: string): Promise<{ user: SessionUser; session: StartedSession }> {
    const attempt = await this.limiter.reserve(input.email, address);
    const found = await this.users.byEmail(input.email);
    let valid: boolean;
    try {
      valid = await this.passwords.verify(found?.password_hash ?? null, input.password);
    } catch (error) {
      if (error instanceof PasswordChecksBusy) await this.limiter.cancelled(attempt);
      throw error;
    }
    if (!found || !valid) throw new ApiException(401, 'invalid_credentials', 'Email or password is incorrect');
    await this.limiter.succeeded(attempt);
    const user: SessionUser = { id: found.id, name: found.name, email: found.email, is_admin: found.is_admin };
    return { user, session: await this.sessions.start(user.id) };
  }

  /** Ends the session (if any); returns the Set-Cookie value that clears it in the browser. */
  async logout(token: string | null): Promise<string> {
    await this.sessions.end(token);
    return this.sessions.clearedCookie();
  }

  /** Whether someone may sign up once the instance has its admin: with an invite, unless signup is closed. */
  private async admitNotFirst(input: SignupDto): Promise<void> {
    this.refuseWithoutInvite(input);
    await this.invites.check(input.invite_token as string, input.email);
  }

  private refuseWithoutInvite(input: SignupDto): void {
    if (this.config.signup.mode === 'closed') {
      throw new ApiException(403, 'signup_closed', 'Signing up is closed on this server: it takes no new accounts');
    }
    if (!input.invite_token) {
      throw new ApiException(403, 'invite_required', 'Signing up on this server needs an invite: ask its admin for an invite link');
    }
  }
}
