import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { BearerAuthGuard } from './common/auth/bearer-auth.guard';
import { httpLoggerParams } from '@oz/server-kit';
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

/** The control plane, built from a config that was validated before anything started. */
@Module({})
export class ControlPlaneModule {
  static with(config: ControlPlaneConfig): DynamicModule {
    return {
      module: ControlPlaneModule,
      imports: [
        ConfigHolderModule.with(config),
        LoggerModule.forRoot(httpLoggerParams(config.logLevel)),
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
