import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, serveMetrics, type OpenApiOptions } from '@oz/server-kit';
import { DataSource } from 'typeorm';
import { WorkspaceModule } from './app.module';
import type { WorkspaceConfig } from './config/workspace.config';
import { SealedSecrets } from './core/sealed-secrets';
import { migrateWorkspace } from './database/migrate';
import { WorkspaceMetrics } from './metrics/workspace-metrics';
import { serveWeb } from './web/serve-web';
import { WebFiles } from './web/web-files';

/** The OpenAPI document's title and security schemes, served at /api/docs and committed as openapi.json. */
export const WORKSPACE_OPENAPI: OpenApiOptions = {
  title: 'Oz Stack workspace API',
  description: 'Rooms, agents, tasks, messages and live events. Log in at /api/auth/login (session cookie).',
  configure: (builder) =>
    builder
      .addCookieAuth('oz_session')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The session token (X-Session-Token of signup and login)' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Agent-Key' }, 'agent-key')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: "An agent run's room callback token (oz_room_…, OZ_ROOM_TOKEN in its task container): its own room and run only, while the run is unfinished" },
        'room-callback-token',
      ),
};

/** JSON stays under /api (the dashboard is served at /); health is where load balancers look for it. */
export function useWorkspaceRoutes(app: NestFastifyApplication): void {
  app.setGlobalPrefix('api', { exclude: ['health'] });
}

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createWorkspaceApp(config: WorkspaceConfig): Promise<NestFastifyApplication> {
  // The dashboard is read before anything starts: a broken build fails the start, not the first visit.
  const web = config.web.dir ? await WebFiles.load(config.web.dir) : null;
  const app = await createHttpApp(
    WorkspaceModule.with(config),
    // Fastify's request.ip stays the TCP peer: core/client-address.ts applies OZ_TRUST_PROXY (hops, ranges) itself.
    { maxBodyBytes: config.maxBodyBytes, trustProxy: false, openApi: WORKSPACE_OPENAPI },
    (app) => {
      useWorkspaceRoutes(app);
      serveMetrics(app, { registry: app.get(WorkspaceMetrics).registry, token: config.metricsToken });
      if (web) serveWeb(app, web);
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
    // Before anything seals or opens a secret: a key other than the one they were sealed with is refused.
    await app.get(SealedSecrets).verifyKey();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
