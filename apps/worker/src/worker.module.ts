import { Module, type DynamicModule } from '@nestjs/common';
import Docker from 'dockerode';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { DOCKER, WORKER_CONFIG } from './config/tokens';
import type { WorkerConfig } from './config/worker.config';
import { ControlPlaneConnection } from './connection/control-plane-connection';
import { MetricsEndpoint } from './metrics/metrics-endpoint';
import { WorkerMetrics } from './metrics/worker-metrics';
import { DockerTasks } from './tasks/docker-tasks';
import { SidecarVolumes } from './tasks/sidecar-volumes';
import { TaskNetwork } from './tasks/task-network';
import { TaskSupervisor } from './tasks/task-supervisor';
import { LeaseReporter } from './tasks/lease-reporter';
import { RunningTasks } from './tasks/running-tasks';

/**
 * The worker as a Nest standalone application, built from a config validated before it starts.
 * TaskSupervisor starts work at bootstrap; at shutdown it stops the tasks before the connection closes.
 */
@Module({})
export class WorkerModule {
  static with(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [LoggerModule.forRoot({ pinoHttp: [{ level: config.logLevel }, pino.destination({ dest: 1, sync: false, minLength: 0 })] })],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: DOCKER, useFactory: () => new Docker() },
        WorkerMetrics,
        MetricsEndpoint,
        SidecarVolumes,
        DockerTasks,
        TaskNetwork,
        ControlPlaneConnection,
        RunningTasks,
        LeaseReporter,
        TaskSupervisor,
      ],
    };
  }
}
