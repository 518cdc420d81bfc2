import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { BearerAuthGuard } from './common/auth/bearer-auth.guard';
import { httpLoggerParams, newReplicaId } from '@oz/server-kit';
import { REPLICA_ID } from './common/replica-id';
import { SecretsModule } from './common/secrets/secrets.module';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config';
import { CredentialsModule } from './credentials/credentials.module';
import { dataSourceOptions } from './database/data-source-options';
import { DatabaseModule } from './database/database.module';
import { EnvironmentsModule } from './environments/environments.module';
import { ExecutionModule } from './execution/execution.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { RetentionModule } from './retention/retention.module';
import { RunsModule } from './runs/runs.module';
import { SchedulesModule } from './schedules/schedules.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkersModule } from './workers/workers.module';

/** What any provider may inject: the validated config and this instance's replica id. */
@Global()
@Module({})
class AppContextModule {
  static with(config: ControlPlaneConfig): DynamicModule {
    return {
      module: AppContextModule,
      providers: [
        { provide: CONTROL_PLANE_CONFIG, useValue: config },
        { provide: REPLICA_ID, useFactory: newReplicaId },
      ],
      exports: [CONTROL_PLANE_CONFIG, REPLICA_ID],
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
        AppContextModule.with(config),
        LoggerModule.forRoot(httpLoggerParams(config.logLevel)),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databasePoolSize)),
        DatabaseModule,
        MetricsModule,
        SecretsModule,
        CredentialsModule,
        ScheduleModule.forRoot(),
        RunsModule,
        EnvironmentsModule,
        SchedulesModule,
        RetentionModule,
        ExecutionModule,
        WorkersModule,
        TasksModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_GUARD, useClass: BearerAuthGuard }],
    };
  }
}
