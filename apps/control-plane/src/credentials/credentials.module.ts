import { Global, Module } from '@nestjs/common';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';
import { TenantKeysController } from './tenant-keys.controller';
import { WorkerTokensController } from './worker-tokens.controller';

/**
 * Who may call: tenant keys and worker tokens the admin issues (`/admin/tenant-keys`,
 * `/admin/worker-tokens`), and what any presented token is (CredentialsService.identify), for the
 * bearer guard, the worker upgrade and the schedule firing alike. Global: authentication is everyone's.
 */
@Global()
@Module({
  controllers: [TenantKeysController, WorkerTokensController],
  providers: [CredentialsRepository, CredentialsService],
  exports: [CredentialsService],
})
export class CredentialsModule {}
