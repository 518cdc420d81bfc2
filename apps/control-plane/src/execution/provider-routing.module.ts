import { Module } from '@nestjs/common';
import { createProviderClient, ProviderRouter, QuotaStore } from '@oz/providers';
import type { Pool } from 'pg';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { PG_POOL } from '../database/pg-pool';
import { Metrics } from '../metrics/metrics';
import { ProviderFailures } from './provider-failures';

/**
 * The one provider router of this replica, with its quotas in PostgreSQL: provider runs (the
 * executor) and the LLM gateway route through it, so both spend the same quota windows, see the same
 * 429 pauses and fall back by the same rules.
 */
@Module({
  providers: [
    { provide: QuotaStore, inject: [PG_POOL], useFactory: (pool: Pool) => new QuotaStore(pool) },
    { provide: ProviderFailures, useFactory: () => new ProviderFailures() },
    {
      provide: ProviderRouter,
      inject: [CONTROL_PLANE_CONFIG, QuotaStore, ProviderFailures, Metrics],
      // Provider runs' calls and failures are counted as their clients make them (oz_provider_*).
      useFactory: (config: ControlPlaneConfig, quotas: QuotaStore, failures: ProviderFailures, metrics: Metrics) =>
        new ProviderRouter(config.providers, quotas, failures.clientFactory(metrics.providers.countCalls(createProviderClient))),
    },
  ],
  exports: [QuotaStore, ProviderFailures, ProviderRouter],
})
export class ProviderRoutingModule {}
