import { Injectable } from '@nestjs/common';
import type { RunSource } from '@oz/contract';
import { ProviderMetrics } from '@oz/providers';
import { createMetricsRegistry } from '@oz/server-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a run executes: through a provider (no environment) or on a worker (with one). */
export type RunMode = 'provider' | 'worker';

/** From a run's creation to its first assignment: milliseconds for a provider run, up to minutes when workers are busy. */
const DISPATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** A gateway request is a model call: seconds to minutes. */
const GATEWAY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The control plane's metrics (`GET /metrics`, k8s/monitoring/metrics.json lists them), one typed
 * method per event: services call these, never prom-client. Counters and histograms count this
 * replica's events; the gauges of database state (runs by state, queues, quota use) are read when
 * Prometheus scrapes (RunGauges, ProviderMetrics.reportQuotas), so every replica reports the same.
 */
@Injectable()
export class Metrics {
  readonly registry: Registry = createMetricsRegistry();
  /** Provider calls, failures, fallbacks and quotas (shared with the workspace's local runner). */
  readonly providers = new ProviderMetrics(this.registry);

  private readonly runsCreated = new Counter({
    name: 'oz_runs_created_total',
    help: 'Runs created. source: the run source (API, SCHEDULED_AGENT, …); mode: provider or worker.',
    labelNames: ['source', 'mode'] as const,
    registers: [this.registry],
  });
  private readonly dispatchLatency = new Histogram({
    name: 'oz_dispatch_latency_seconds',
    help: "From a run's creation to its first assignment: claimed by an executor (provider) or sent to a worker (worker).",
    labelNames: ['mode'] as const,
    buckets: DISPATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly workersConnected = new Gauge({
    name: 'oz_workers_connected',
    help: 'Distinct workers with at least one connection to this replica.',
    registers: [this.registry],
  });
  private readonly workerConnections = new Gauge({
    name: 'oz_worker_connections',
    help: 'Worker WebSocket connections open on this replica.',
    registers: [this.registry],
  });
  private readonly gatewayRequests = new Counter({
    name: 'oz_gateway_requests_total',
    help: 'LLM gateway requests from task containers, by API (openai_chat, openai_responses, anthropic_messages, …) and answered status code.',
    labelNames: ['api', 'status_code'] as const,
    registers: [this.registry],
  });
  private readonly gatewayDuration = new Histogram({
    name: 'oz_gateway_request_duration_seconds',
    help: 'LLM gateway requests from task containers, from the request to the last byte of the answer.',
    labelNames: ['api'] as const,
    buckets: GATEWAY_BUCKETS,
    registers: [this.registry],
  });

  runCreated(source: RunSource, mode: RunMode): void {
    this.runsCreated.inc({ source, mode });
  }

  /** A run was assigned for the first time, `waitedSeconds` after it was created (as the database measures it). */
  runDispatched(mode: RunMode, waitedSeconds: number): void {
    this.dispatchLatency.observe({ mode }, Math.max(0, waitedSeconds));
  }

  /** This replica's worker connections changed. */
  workersOnline(connections: number, workers: number): void {
    this.workerConnections.set(connections);
    this.workersConnected.set(workers);
  }

  /**
   * One LLM gateway request answered: `api` names the wire format (`openai_chat`,
   * `openai_responses`, `anthropic_messages`, …; a fixed set, never a URL or a model), `status` the
   * HTTP status the task got, `seconds` how long the whole answer took. The provider calls behind it
   * are counted through `providers` (calls, failures, fallbacks).
   */
  gatewayRequest(api: string, status: number, seconds?: number): void {
    this.gatewayRequests.inc({ api, status_code: String(status) });
    if (seconds !== undefined) this.gatewayDuration.observe({ api }, Math.max(0, seconds));
  }
}
