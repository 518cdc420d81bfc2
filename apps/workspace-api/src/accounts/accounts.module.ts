import { Global, Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LoginLimiter } from './login-limiter';
import { SessionsService } from './sessions.service';

@Global()
@Module({
  controllers: [AccountsController],
  providers: [AccountsService, SessionsService, LoginLimiter],
  exports: [SessionsService],
})
export class AccountsModule {}
