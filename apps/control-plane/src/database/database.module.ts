import { Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { pgPool } from '@oz/server-kit';
import type { DataSource } from 'typeorm';
import { DatabaseHealth } from './database-health';
import { PgNotifications } from './pg-notifications';
import { PG_POOL } from './pg-pool';

/**
 * What every feature module gets from the database besides TypeORM (set up next to it in the app
 * module): the plain pg pool, LISTEN/NOTIFY (channel names in channels.ts) and the health check.
 */
@Global()
@Module({
  providers: [
    // The one place that reaches under TypeORM for its pool; everything else injects PG_POOL.
    { provide: PG_POOL, inject: [getDataSourceToken()], useFactory: (dataSource: DataSource) => pgPool(dataSource) },
    PgNotifications,
    DatabaseHealth,
  ],
  exports: [PG_POOL, PgNotifications, DatabaseHealth],
})
export class DatabaseModule {}
