import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, type OpenApiOptions } from '@oz/server-kit';
import { DataSource } from 'typeorm';
import { WorkspaceModule } from './app.module';
import type { WorkspaceConfig } from './config/workspace.config';
import { migrateWorkspace } from './database/migrate';

/** The OpenAPI document's title and security schemes, served at /api/docs and committed as openapi.json. */
export const WORKSPACE_OPENAPI: OpenApiOptions = {
  title: 'Oz Stack workspace API',
  description: 'Rooms, agents, tasks, messages and live events. Log in at /api/auth/login (session cookie).',
  configure: (builder) =>
    builder
      .addCookieAuth('oz_session')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The session token (X-Session-Token of signup and login)' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Agent-Key' }, 'agent-key'),
};

/** JSON stays under /api (the dashboard is served at /); health is where load balancers look for it. */
export function useWorkspaceRoutes(app: NestFastifyApplication): void {
  app.setGlobalPrefix('api', { exclude: ['health'] });
}

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createWorkspaceApp(config: WorkspaceConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(
    WorkspaceModule.with(config),
    { maxBodyBytes: config.maxBodyBytes, trustProxy: config.trustProxy, openApi: WORKSPACE_OPENAPI },
    (app) => {
      useWorkspaceRoutes(app);
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
    if (config.migrateOnStart) await migrateWorkspace(app.get(DataSource), config.databaseSchema);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
