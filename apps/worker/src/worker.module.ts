import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { WORKER_CONFIG } from './config/tokens';
import type { WorkerConfig } from './config/worker.config';
import { DockerTasks } from './tasks/docker-tasks';
import { WorkerService } from './worker.service';

/** The worker as a Nest standalone application, built from a config validated before it starts. */
@Module({})
export class WorkerModule {
  static with(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [LoggerModule.forRoot({ pinoHttp: [{ level: config.logLevel }, pino.destination({ dest: 1, sync: false, minLength: 0 })] })],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: DockerTasks, useFactory: () => new DockerTasks(config) },
        WorkerService,
      ],
    };
  }
}
