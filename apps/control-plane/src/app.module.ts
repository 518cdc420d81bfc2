import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule, type Params } from 'nestjs-pino';
import pino from 'pino';
import type { IncomingMessage } from 'node:http';
import { BearerAuthGuard } from './common/auth/bearer-auth.guard';
import { loggableError } from './common/logging/loggable-error';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config';
import { dataSourceOptions } from './database/data-source-options';
import { EnvironmentsModule } from './environments/environments.module';
import { ExecutionModule } from './execution/execution.module';
import { HealthController } from './health/health.controller';
import { RetentionModule } from './retention/retention.module';
import { RunsModule } from './runs/runs.module';
import { SchedulesModule } from './schedules/schedules.module';
import { WorkersModule } from './workers/workers.module';

@Global()
@Module({})
class ConfigHolderModule {
  static with(config: ControlPlaneConfig): DynamicModule {
    return {
      module: ConfigHolderModule,
      providers: [{ provide: CONTROL_PLANE_CONFIG, useValue: config }],
      exports: [CONTROL_PLANE_CONFIG],
    };
  }
}

/** JSON logs: one short line per request plus the events services log. */
function httpLoggerParams(config: ControlPlaneConfig): Params {
  return {
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    // Probes poll /health every few seconds; a line each would drown the log.
    exclude: [{ path: 'health', method: RequestMethod.GET }],
    pinoHttp: [
      {
        level: config.logLevel,
        // The id Fastify assigned (see createControlPlaneApp), so logs and responses agree.
        genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id: string }).id,
        // Headers may carry tokens and would only add noise.
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          err: loggableError,
        },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      },
      // Buffered, asynchronous writes: synchronous stdout writes were the largest single cost of a
      // request in profiles. pino flushes the buffer on exit.
      pino.destination({ dest: 1, sync: false, minLength: 4096 }),
    ],
  };
}

/** The control plane, built from a config that was validated before anything started. */
@Module({})
export class ControlPlaneModule {
  static with(config: ControlPlaneConfig): DynamicModule {
    return {
      module: ControlPlaneModule,
      imports: [
        ConfigHolderModule.with(config),
        LoggerModule.forRoot(httpLoggerParams(config)),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databasePoolSize)),
        ScheduleModule.forRoot(),
        RunsModule,
        EnvironmentsModule,
        SchedulesModule,
        RetentionModule,
        ExecutionModule,
        WorkersModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_GUARD, useClass: BearerAuthGuard }],
    };
  }
}
