import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { httpLoggerParams, pgPool } from '@oz/server-kit';
import { LoggerModule } from 'nestjs-pino';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { dataSourceOptions } from '../database/data-source-options';
import { EventBus } from '../events/event-bus';
import { MemoryEventBus } from '../events/memory-event-bus';
import { RedisEventBus } from '../events/redis-event-bus';
import { RoomEvents } from '../events/room-events';
import { ClientAddress } from './client-address';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { SealedSecrets } from './sealed-secrets';
import { PG_POOL, Sql } from './sql';

/**
 * What every feature uses: the validated config, the database (TypeORM for the connection and the
 * migrations, the pg pool under it for queries), the event bus and the logger; and `/health`, which
 * checks the database and the bus.
 */
@Global()
@Module({})
export class CoreModule {
  static with(config: WorkspaceConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        LoggerModule.forRoot(httpLoggerParams(config.logLevel)),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databaseSchema, config.databasePoolSize)),
        ScheduleModule.forRoot(),
      ],
      controllers: [HealthController],
      providers: [
        { provide: WORKSPACE_CONFIG, useValue: config },
        { provide: PG_POOL, inject: [getDataSourceToken()], useFactory: pgPool },
        Sql,
        {
          provide: EventBus,
          useFactory: async () => {
            const { maxPerRoom, maxBytesPerRoom, ttlSeconds } = config.events;
            if (!config.redisUrl) return new MemoryEventBus({ maxPerRoom, maxBytesPerRoom, maxReplay: config.sse.maxReplay });
            const bus = new RedisEventBus(config.redisUrl, { maxPerRoom, ttlSeconds, maxReplay: config.sse.maxReplay });
            await bus.connect();
            return bus;
          },
        },
        RoomEvents,
        ClientAddress,
        SealedSecrets,
        HealthService,
      ],
      exports: [WORKSPACE_CONFIG, PG_POOL, Sql, EventBus, RoomEvents, ClientAddress, SealedSecrets],
    };
  }
}
