import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { RunGauges } from './run-gauges';

/**
 * Metrics for Prometheus (`GET /metrics`, served by server-kit's serveMetrics from app.ts): `Metrics`,
 * injectable anywhere, with one method per event counted; RunGauges reads the database's gauges at
 * scrape time.
 */
@Global()
@Module({
  providers: [Metrics, RunGauges],
  exports: [Metrics],
})
export class MetricsModule {}
