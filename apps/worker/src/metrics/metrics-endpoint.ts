import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { startMetricsServer, type MetricsServer } from '@oz/server-kit';
import { WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { WorkerMetrics } from './worker-metrics';

/** OZ_METRICS_PORT, set by the operator, cannot be bound: the worker does not start. */
export class MetricsPortError extends Error {}

/**
 * `GET /metrics` on the worker's own port (OZ_METRICS_HOST:OZ_METRICS_PORT; 0 turns it off), with
 * OZ_METRICS_TOKEN as bearer when set. A port the operator chose must be free (the worker does not
 * start otherwise); the default port taken by another worker on the same machine only costs this
 * one its metrics, and says so.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private server: MetricsServer | null = null;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** The port it serves on; null when off. */
  get port(): number | null {
    return this.server?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, token, portChosen } = this.config.metrics;
    if (port === 0) return;
    try {
      this.server = await startMetricsServer({ registry: this.metrics.registry, token, host, port });
      this.logger.log({ address: `${host}:${this.server.port}`, protected: token !== null }, 'metrics.listening');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'in use' : (error as Error).message;
      if (portChosen) throw new MetricsPortError(`Cannot serve metrics on ${host}:${port} (OZ_METRICS_PORT): ${reason}. Choose another port, or 0 to turn metrics off.`);
      this.logger.warn({ address: `${host}:${port}`, reason }, 'metrics.unavailable: the default port is taken (another worker on this machine?); set OZ_METRICS_PORT');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
