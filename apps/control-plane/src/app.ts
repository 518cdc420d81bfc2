import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createHttpApp, runMigrations, serveMetrics } from '@oz/server-kit';
import { ControlPlaneModule } from './app.module';
import type { ControlPlaneConfig } from './config/control-plane.config';
import { CONTROL_PLANE_MIGRATION_LOCK } from './database/data-source-options';
import { SecretBox } from './common/secrets/secret-box';
import { SecretsUpgrade } from './common/secrets/secrets-upgrade';
import { CredentialsService } from './credentials/credentials.service';
import { Metrics } from './metrics/metrics';
import { CONTROL_PLANE_OPENAPI, setApiPrefix } from './openapi/openapi-info';
import { TASK_TEXT_BODY_ROUTES } from './tasks/task-reports.controller';
import { WorkerUpgradeAuth } from './workers/worker-upgrade-auth';
import { WorkerWsAdapter } from './workers/worker-ws.adapter';

/** Headers the official SDK sends, which a browser client needs CORS to allow. */
const SDK_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'X-Request-Id',
  'X-Stainless-Retry-Count',
  'X-Stainless-Timeout',
  'X-Stainless-Lang',
  'X-Stainless-Package-Version',
  'X-Stainless-OS',
  'X-Stainless-Arch',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Async',
];

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createControlPlaneApp(config: ControlPlaneConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(
    ControlPlaneModule.with(config),
    {
      maxBodyBytes: config.maxBodyBytes,
      textBodyRoutes: TASK_TEXT_BODY_ROUTES,
      openApi: CONTROL_PLANE_OPENAPI,
    },
    (app) => {
      setApiPrefix(app);
      serveMetrics(app, { registry: app.get(Metrics).registry, token: config.metricsToken });
      app.useWebSocketAdapter(new WorkerWsAdapter(app, new WorkerUpgradeAuth(app.get(CredentialsService))));
      if (config.corsOrigins) {
        app.enableCors({
          origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
          methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
          allowedHeaders: SDK_HEADERS,
          exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
          maxAge: 600,
        });
      }
    },
  );

  try {
    if (config.migrateOnStart) await runMigrations(app.get(DataSource), CONTROL_PLANE_MIGRATION_LOCK);
    await app.get(SecretBox).verifyKey(app.get(DataSource));
    await app.get(SecretsUpgrade).run();
  } catch (error) {
    await app.close(); // release the pool, or a failed start would keep the process alive
    throw error;
  }
  return app;
}
