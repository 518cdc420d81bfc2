import { Module } from '@nestjs/common';
import { ProviderRouter, QuotaStore } from '@oz/providers';
import type { Pool } from 'pg';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { PG_POOL } from '../database/pg-pool';
import { ExecutionRepository } from './execution.repository';
import { ProviderFailures } from './provider-failures';
import { ProviderRunner } from './provider-runner';
import { ProviderStatusController } from './provider-status.controller';
import { ProviderStatusService } from './provider-status.service';
import { RunExecutor } from './run-executor.service';

/** Remote API mode: provider runs executed in this replica, and the operator's view of the providers. */
@Module({
  controllers: [ProviderStatusController],
  providers: [
    { provide: QuotaStore, inject: [PG_POOL], useFactory: (pool: Pool) => new QuotaStore(pool) },
    { provide: ProviderFailures, useFactory: () => new ProviderFailures() },
    {
      provide: ProviderRouter,
      inject: [CONTROL_PLANE_CONFIG, QuotaStore, ProviderFailures],
      useFactory: (config: ControlPlaneConfig, quotas: QuotaStore, failures: ProviderFailures) =>
        new ProviderRouter(config.providers, quotas, failures.clientFactory()),
    },
    ExecutionRepository,
    ProviderRunner,
    RunExecutor,
    ProviderStatusService,
  ],
})
export class ExecutionModule {}
