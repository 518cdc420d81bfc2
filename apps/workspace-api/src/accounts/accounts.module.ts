import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LoginLimiter } from './login-limiter';
import { SessionsService } from './sessions.service';
import { UsersRepository } from './users.repository';

/** Accounts and sessions, and the guard that asks every route for one (unless it is marked public or agent-key). */
@Module({
  controllers: [AccountsController],
  providers: [AccountsService, SessionsService, LoginLimiter, UsersRepository, { provide: APP_GUARD, useClass: AccessGuard }],
})
export class AccountsModule {}
