import { startBuiltServer, type BuiltServer, type BuiltServerOptions, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import OzAPI from 'oz-agent-sdk';
import { SIDECAR_IMAGE, TASK_IMAGE } from './images';
import { WORKER_TOKEN } from './workers';

/** What every replica on one database shares, as in production: the database, the admin key and the secrets key. */
export interface ControlPlaneSettings {
  databaseUrl: string;
  adminKey: string;
  secretsKey: string;
}

export function controlPlaneSettings(database: TestDatabase): ControlPlaneSettings {
  return {
    databaseUrl: database.url,
    adminKey: `admin-${randomBytes(12).toString('hex')}`,
    secretsKey: randomBytes(32).toString('base64'),
  };
}

/** A control plane replica, run from its build as operators run it; the tests reach it over HTTP only. */
export interface ControlPlane {
  server: BuiltServer;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The official SDK, authenticated with `token` (default: the admin key), without retries. */
  sdk(token?: string): OzAPI;
  /** Raw HTTP: `path` is relative to the origin; `token` defaults to the admin key. */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
}

/**
 * Starts `dist/apps/control-plane/main.js` (built by the e2e target's dependsOn) with worker mode on
 * for the test workers: their token, the test sidecar image, a quick dispatch poll. Schedules and
 * provider execution are off. `env` adds or overrides variables.
 */
export async function startControlPlane(settings: ControlPlaneSettings, env: Record<string, string> = {}, options: BuiltServerOptions = {}): Promise<ControlPlane> {
  const server = await startBuiltServer(
    'control-plane',
    {
      DATABASE_URL: settings.databaseUrl,
      OZ_ADMIN_API_KEY: settings.adminKey,
      OZ_SECRETS_KEY: settings.secretsKey,
      OZ_LOG_LEVEL: 'warn',
      OZ_SCHEDULER_ENABLED: 'false',
      OZ_EXECUTOR_CONCURRENCY: '0',
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_WORKER_SIDECAR_IMAGE: SIDECAR_IMAGE,
      OZ_DISPATCH_POLL_INTERVAL_MS: '250',
      ...env,
    },
    options,
  );
  const { origin } = server;
  return {
    server,
    origin,
    sdk: (token = settings.adminKey) => new OzAPI({ apiKey: token, baseURL: `${origin}/api/v1`, maxRetries: 0, logLevel: 'off' }),
    request: (path, init = {}) => {
      const { token = settings.adminKey, headers, ...rest } = init;
      return fetch(`${origin}${path}`, { ...rest, headers: { authorization: `Bearer ${token}`, ...(headers as Record<string, string> | undefined) } });
    },
  };
}

/** A fresh tenant token; on a loopback bind every token is its own tenant. */
export function tenantToken(label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`;
}

/** Creates an environment running the test task image, as `token`'s tenant; returns its id. */
export async function createEnvironment(controlPlane: ControlPlane, token: string | undefined, body: Record<string, unknown>): Promise<string> {
  const response = await controlPlane.request('/api/v1/environments', {
    token,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ docker_image: TASK_IMAGE, ...body }),
  });
  if (response.status !== 201) throw new Error(`creating environment ${String(body['name'])} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}
