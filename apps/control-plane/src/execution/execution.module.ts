import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ProviderRouter, QuotaStore } from '@oz/providers';
import type { DataSource } from 'typeorm';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { PgNotifications } from '../database/pg-notifications';
import { pgPool } from '@oz/server-kit';
import { ExecutionRepository } from './execution.repository';
import { ProviderStatusController } from './provider-status.controller';
import { ProviderStatusService } from './provider-status.service';
import { RunExecutor } from './run-executor.service';

/** Remote API mode: provider runs executed in this replica, and the operator's view of the providers. */
@Module({
  controllers: [ProviderStatusController],
  providers: [
    { provide: QuotaStore, inject: [getDataSourceToken()], useFactory: (db: DataSource) => new QuotaStore(pgPool(db)) },
    {
      provide: ProviderRouter,
      inject: [CONTROL_PLANE_CONFIG, QuotaStore],
      useFactory: (config: ControlPlaneConfig, quotas: QuotaStore) => new ProviderRouter(config.providers, quotas),
    },
    PgNotifications,
    ExecutionRepository,
    RunExecutor,
    ProviderStatusService,
  ],
  exports: [RunExecutor, PgNotifications],
})
export class ExecutionModule {}
