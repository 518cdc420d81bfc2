import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { httpLoggerParams } from '@oz/server-kit';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from './accounts/accounts.module';
import { AgentsController } from './agents/agents.controller';
import { AgentsRepository } from './agents/agents.repository';
import { AgentsService } from './agents/agents.service';
import { ArtifactsController } from './artifacts/artifacts.controller';
import { ArtifactsRepository } from './artifacts/artifacts.repository';
import { AccessGuard } from './common/auth';
import { Sql } from './common/sql';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from './config/workspace.config';
import { dataSourceOptions } from './database/data-source-options';
import { EventBus } from './events/event-bus';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { MemoryEventBus } from './events/memory-event-bus';
import { RedisEventBus } from './events/redis-event-bus';
import { RoomEvents } from './events/room-events';
import { HealthController } from './health/health.controller';
import { AgentRoutesController } from './internal/agent-routes.controller';
import { AgentRunner } from './invocation/agent-runner';
import { InvocationService } from './invocation/invocation.service';
import { LocalRunner } from './invocation/local-runner';
import { RemoteRunner } from './invocation/remote-runner';
import { StaleRunSweeper } from './invocation/stale-run-sweeper';
import { MessagesController } from './messages/messages.controller';
import { MessagesRepository } from './messages/messages.repository';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { PublicController } from './public/public.controller';
import { RoomAnnouncer } from './rooms/room-announcer';
import { RoomsController } from './rooms/rooms.controller';
import { RoomsRepository } from './rooms/rooms.repository';
import { RoomsService } from './rooms/rooms.service';
import { ActiveRuns } from './runs/active-runs';
import { RunsController } from './runs/runs.controller';
import { RunsRepository } from './runs/runs.repository';
import { TasksController } from './tasks/tasks.controller';
import { TasksRepository } from './tasks/tasks.repository';
import { TasksService } from './tasks/tasks.service';

/** The validated config, the SQL client and the event bus: what every part of the app uses. */
@Global()
@Module({})
class CoreModule {
  static with(config: WorkspaceConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: WORKSPACE_CONFIG, useValue: config },
        Sql,
        {
          provide: EventBus,
          useFactory: async () => {
            if (!config.redisUrl) return new MemoryEventBus(config.events.maxPerRoom);
            const bus = new RedisEventBus(config.redisUrl, { maxPerRoom: config.events.maxPerRoom, ttlSeconds: config.events.ttlSeconds });
            await bus.connect();
            return bus;
          },
        },
        RoomEvents,
      ],
      exports: [WORKSPACE_CONFIG, Sql, EventBus, RoomEvents],
    };
  }
}

/** The workspace API, built from a config that was validated before anything started. */
@Module({})
export class WorkspaceModule {
  static with(config: WorkspaceConfig): DynamicModule {
    return {
      module: WorkspaceModule,
      imports: [
        CoreModule.with(config),
        LoggerModule.forRoot(httpLoggerParams(config.logLevel)),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databaseSchema, config.databasePoolSize)),
        ScheduleModule.forRoot(),
        AccountsModule,
      ],
      controllers: [
        HealthController,
        AgentsController,
        RoomsController,
        MessagesController,
        RunsController,
        TasksController,
        ArtifactsController,
        NotificationsController,
        EventsController,
        PublicController,
        AgentRoutesController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: AgentRunner, useClass: config.runner.mode === 'remote' ? RemoteRunner : LocalRunner },
        AgentsRepository,
        AgentsService,
        RoomsRepository,
        RoomsService,
        RoomAnnouncer,
        MessagesRepository,
        RunsRepository,
        ActiveRuns,
        TasksRepository,
        TasksService,
        ArtifactsRepository,
        NotificationsRepository,
        InvocationService,
        StaleRunSweeper,
        EventsService,
      ],
    };
  }
}
