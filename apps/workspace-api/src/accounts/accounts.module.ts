import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminModule } from '../admin/admin.module';
import { AgentRunsModule } from '../agent-runs/agent-runs.module';
import { AccessGuard } from './access.guard';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LoginLimiter } from './login-limiter';
import { PasswordHasher } from './password-hasher';
import { SessionsService } from './sessions.service';
import { UsersRepository } from './users.repository';

/**
 * Accounts and sessions, and the guard that asks every route for one (unless it is marked public or
 * agent-key: then X-Agent-Key or a run's room callback token) and refuses cookie writes from other
 * origins. Signup uses the admin's invites.
 */
@Module({
  imports: [AdminModule, AgentRunsModule],
  controllers: [AccountsController],
  providers: [AccountsService, SessionsService, LoginLimiter, PasswordHasher, UsersRepository, { provide: APP_GUARD, useClass: AccessGuard }],
})
export class AccountsModule {}
