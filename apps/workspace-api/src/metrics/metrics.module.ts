import { Global, Module } from '@nestjs/common';
import { WorkspaceMetrics } from './workspace-metrics';

/** Metrics for Prometheus (`GET /metrics`, served by server-kit's serveMetrics from app.ts): WorkspaceMetrics, injectable anywhere. */
@Global()
@Module({
  providers: [WorkspaceMetrics],
  exports: [WorkspaceMetrics],
})
export class MetricsModule {}
