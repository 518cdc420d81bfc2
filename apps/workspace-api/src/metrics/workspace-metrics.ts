import { Inject, Injectable, Logger } from '@nestjs/common';
import { ProviderMetrics, QuotaStore } from '@oz/providers';
import { createMetricsRegistry, loggableError } from '@oz/server-kit';
import type { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { PG_POOL } from '../core/sql';

/**
 * The workspace's metrics (`GET /metrics`; k8s/monitoring/metrics.json lists them), one typed
 * method per event: services call these, never prom-client. Besides HTTP and the process: live
 * streams and the events they carry, and in OZ_RUNNER_MODE=local the provider calls it makes itself
 * (with remote runners those are the control plane's).
 */
@Injectable()
export class WorkspaceMetrics {
  readonly registry: Registry = createMetricsRegistry();
  /** Provider calls, failures, fallbacks and quotas of the local runner (shared with the control plane). */
  readonly providers = new ProviderMetrics(this.registry);
  private readonly logger = new Logger('metrics');

  private readonly subscribers = new Gauge({
    name: 'oz_sse_subscribers',
    help: "Open SSE streams on this replica (rooms, users' own channels and share links).",
    registers: [this.registry],
  });
  private readonly published = new Counter({
    name: 'oz_room_events_published_total',
    help: "Events published by this replica to room streams and users' own channels, by type (message, message_delta, task, run, …).",
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly sent = new Counter({
    name: 'oz_sse_events_sent_total',
    help: 'Events written to SSE streams by this replica (one per subscriber).',
    registers: [this.registry],
  });

  constructor(@Inject(WORKSPACE_CONFIG) config: WorkspaceConfig, @Inject(PG_POOL) pool: Pool) {
    if (config.runner.mode === 'local') {
      this.providers.reportQuotas(config.runner.providers, new QuotaStore(pool), (error) =>
        this.logger.warn({ err: loggableError(error) }, 'metrics.database_unavailable'),
      );
    }
  }

  /** The SSE streams open on this replica now. */
  sseStreams(open: number): void {
    this.subscribers.set(open);
  }

  eventPublished(type: string): void {
    this.published.inc({ type });
  }

  sseEventSent(): void {
    this.sent.inc();
  }
}
