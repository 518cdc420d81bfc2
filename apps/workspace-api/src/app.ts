import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, runMigrations } from '@oz/server-kit';
import { DataSource } from 'typeorm';
import { WorkspaceModule } from './app.module';
import type { WorkspaceConfig } from './config/workspace.config';
import { WORKSPACE_MIGRATION_LOCK } from './database/data-source-options';

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createWorkspaceApp(config: WorkspaceConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(
    WorkspaceModule.with(config),
    {
      maxBodyBytes: config.maxBodyBytes,
      trustProxy: config.trustProxy,
      openApi: {
        title: 'Oz Stack workspace API',
        description: 'Rooms, agents, tasks, messages and live events. Log in at /api/auth/login (session cookie).',
        configure: (builder) => builder.addCookieAuth('oz_session').addApiKey({ type: 'apiKey', in: 'header', name: 'X-Agent-Key' }, 'agent-key'),
      },
    },
    (app) => {
      app.setGlobalPrefix('api', { exclude: ['health'] });
      if (config.corsOrigins) {
        app.enableCors({
          origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
          credentials: config.corsOrigins !== '*',
          methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          allowedHeaders: ['Content-Type', 'X-Request-Id', 'Last-Event-ID', 'X-Agent-Key', 'Authorization'],
          exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-Session-Token'],
          maxAge: 600,
        });
      }
    },
  );
  try {
    // The schema must exist before TypeORM looks for its migrations table in it.
    if (config.migrateOnStart) {
      await runMigrations(app.get(DataSource), WORKSPACE_MIGRATION_LOCK, [`CREATE SCHEMA IF NOT EXISTS ${config.databaseSchema}`]);
    }
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
