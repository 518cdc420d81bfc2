import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@oz/testing';
import { createHash, randomBytes } from 'node:crypto';
import OzAPI from 'oz-agent-sdk';
import { DataSource } from 'typeorm';
import { createControlPlaneApp } from '../app';
import { loadControlPlaneConfig, type ControlPlaneConfig } from '../config/control-plane.config';

/** A real control plane on a fresh PostgreSQL database, listening on a random loopback port. */
export interface ControlPlaneHarness {
  app: NestFastifyApplication;
  config: ControlPlaneConfig;
  database: TestDatabase;
  dataSource: DataSource;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** origin + /api/v1, what OZ_API_BASE_URL holds */
  apiBaseUrl: string;
  adminKey: string;
  /** The official SDK, authenticated with `token` (default: the admin key), without retries. */
  sdk(token?: string): OzAPI;
  /** Raw HTTP against the API: `path` is relative to the origin. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export async function startControlPlane(
  env: Record<string, string> = {},
  database?: TestDatabase,
): Promise<ControlPlaneHarness> {
  const db = database ?? (await createTestDatabase('oz_cp'));
  const adminKey = `admin-${randomBytes(12).toString('hex')}`;
  const config = loadControlPlaneConfig({
    DATABASE_URL: db.url,
    OZ_ADMIN_API_KEY: adminKey,
    // Replicas on one database must share the secrets key, as in production; one key per database.
    OZ_SECRETS_KEY: secretsKeyFor(db),
    OZ_LOG_LEVEL: 'warn',
    OZ_SCHEDULER_ENABLED: 'false',
    // Runs stay as created unless a test turns the executor on (and configures providers).
    OZ_EXECUTOR_CONCURRENCY: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const app = await createControlPlaneApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  const apiBaseUrl = `${origin}/api/v1`;
  return {
    app,
    config,
    database: db,
    dataSource: app.get(DataSource),
    origin,
    apiBaseUrl,
    adminKey,
    sdk: (token = adminKey) => new OzAPI({ apiKey: token, baseURL: apiBaseUrl, maxRetries: 0, logLevel: 'off' }),
    request: (path, init = {}) => {
      const { token = adminKey, headers, ...rest } = init;
      return fetch(`${origin}${path}`, {
        ...rest,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string>) },
      });
    },
    close: async () => {
      await app.close();
      if (!database) await db.drop();
    },
  };
}

/** The secrets key every replica on `database` shares (replicas in other processes need it too). */
export function secretsKeyFor(database: TestDatabase): string {
  return createHash('sha256').update(database.name).digest('base64');
}

/** A fresh tenant token; each one is its own tenant. */
export function tenantToken(label = 'tenant'): string {
  return `${label}-${randomBytes(12).toString('hex')}`;
}
