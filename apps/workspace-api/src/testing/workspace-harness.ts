import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { createWorkspaceApp } from '../app';
import { loadWorkspaceConfig, type WorkspaceConfig } from '../config/workspace.config';

export const TEST_AGENT_KEY = 'test-agent-key-0123456789';
export const TEST_PASSWORD = 'Correct-Horse-Battery-42';
/** OZ_SECRETS_KEY of every test workspace (32 bytes, base64); tests that read sealed rows open them with it. */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A real workspace API on PostgreSQL (and Redis when REDIS_URL is given), on a random loopback port. */
export interface WorkspaceHarness {
  app: NestFastifyApplication;
  config: WorkspaceConfig;
  database: TestDatabase;
  origin: string;
  /** Raw HTTP: `path` is relative to the origin; `session` is sent as the session cookie. */
  request<T = any>(method: string, path: string, options?: { body?: unknown; session?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Signs a new user up and returns a client logged in as them. */
  signup(name?: string): Promise<UserClient>;
  close(): Promise<void>;
}

export interface UserClient {
  id: string;
  name: string;
  email: string;
  session: string;
  request<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

/** The Redis every test uses (CI starts one); each test run gets its own key prefix through fresh room ids. */
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export async function startWorkspace(env: Record<string, string> = {}, database?: TestDatabase): Promise<WorkspaceHarness> {
  const db = database ?? (await createTestDatabase('oz_ws'));
  const config = loadWorkspaceConfig({
    DATABASE_URL: db.url,
    AGENT_API_KEY: TEST_AGENT_KEY,
    OZ_SECRETS_KEY: TEST_SECRETS_KEY,
    OZ_LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const app = await createWorkspaceApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const request: WorkspaceHarness['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.session) headers['cookie'] = `oz_session=${options.session}`;
    const response = await fetch(`${origin}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as any, headers: response.headers };
  };

  let users = 0;
  const harness: WorkspaceHarness = {
    app,
    config,
    database: db,
    origin,
    request,
    async signup(name = `user${++users}`) {
      const email = `${name.replace(/\W/g, '').toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
      const response = await request('POST', '/api/auth/signup', { body: { name, email, password: TEST_PASSWORD } });
      if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
      const session = response.headers.get('x-session-token')!;
      return {
        ...(response.body as { id: string; name: string; email: string }),
        session,
        request: (method, path, body) => request(method, path, { body, session }),
      };
    },
    async close() {
      await app.close();
    },
  };
  return harness;
}

/** Closes the apps, then drops the database (after every connection to it is gone). */
export async function closeAll(harnesses: (WorkspaceHarness | undefined)[], database?: TestDatabase): Promise<void> {
  for (const harness of harnesses) await harness?.close();
  await database?.drop();
}
