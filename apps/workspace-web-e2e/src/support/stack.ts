import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  REPO_ROOT,
  startFakeOpenAiServer,
  waitForHealth,
  type Exit,
  type FakeLlmServer,
  type ServerProcess,
  type TestDatabase,
} from '@oz/testing';
import { startWebServer, type WebServer } from './web-server';

/** Where the built apps are: the repository's dist/, or OZ_E2E_DIST (a build of another checkout). */
export const DIST = process.env['OZ_E2E_DIST'] ?? join(REPO_ROOT, 'dist');
export const AGENT_API_KEY = 'e2e-agent-key-0123456789abcdef';

export interface StackOptions {
  /**
   * `proxy` (phase 1): a small server here serves the built SPA and proxies `/api` to the workspace
   * API. `workspace-api` (phase 2): the API serves the SPA itself from `OZ_WEB_DIR`.
   */
  servedBy?: 'proxy' | 'workspace-api';
  /** Phase 2: also start the control plane; the workspace then runs agents through it (remote mode). */
  controlPlane?: boolean;
}

export interface Stack {
  /** Where the browser goes. */
  webUrl: string;
  apiUrl: string;
  controlPlaneUrl: string | null;
  /** The fake OpenAI-compatible provider answering every agent; script its replies per test. */
  llm: FakeLlmServer;
  stop(): Promise<void>;
}

/**
 * The real stack for browser tests: PostgreSQL (a fresh database), the built workspace API in local
 * runner mode (or remote, through the built control plane), a fake LLM provider, and the built SPA.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const servedBy = options.servedBy ?? (process.env['OZ_E2E_SERVED_BY'] === 'workspace-api' ? 'workspace-api' : 'proxy');
  const withControlPlane = options.controlPlane ?? process.env['OZ_E2E_CONTROL_PLANE'] === '1';
  assertBuilt('workspace-api');
  if (withControlPlane) assertBuilt('control-plane');
  // The SPA always comes from this repository's build (the app under test).
  const webDist = join(REPO_ROOT, 'dist/apps/workspace-web/browser');

  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const llm = await startFakeOpenAiServer();
    cleanups.push(() => llm.close());
    const databases: TestDatabase[] = [];
    const database = async () => {
      const db = await createTestDatabase('oz_web_e2e');
      databases.push(db);
      cleanups.push(() => db.drop());
      return db;
    };
    const provider = { OZ_PROVIDER_CUSTOM_BASE_URL: llm.url, OZ_PROVIDER_CUSTOM_MODEL: 'fake-model', OZ_PROVIDER_CUSTOM_STREAM: 'true' };

    let controlPlaneUrl: string | null = null;
    let runner: Record<string, string> = { OZ_RUNNER_MODE: 'local', ...provider };
    if (withControlPlane) {
      const port = await freePort();
      const adminKey = 'e2e-admin-key-0123456789abcdef';
      const cp = startBuiltApp('control-plane', [], {
        DATABASE_URL: (await database()).url,
        OZ_ADMIN_API_KEY: adminKey,
        PORT: String(port),
        HOST: '127.0.0.1',
        OZ_LOG_LEVEL: 'warn',
        OZ_DEFAULT_HARNESS: 'custom',
        ...provider,
      });
      cleanups.push(() => stopProcess(cp));
      controlPlaneUrl = `http://127.0.0.1:${port}`;
      await waitForHealth(`${controlPlaneUrl}/health`, cp.exit, cp.output);
      runner = { OZ_RUNNER_MODE: 'remote', OZ_API_BASE_URL: `${controlPlaneUrl}/api/v1`, OZ_API_KEY: adminKey, OZ_ADMIN_API_KEY: adminKey };
    }

    const apiPort = await freePort();
    const api = startBuiltApp('workspace-api', [], {
      DATABASE_URL: (await database()).url,
      AGENT_API_KEY,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      OZ_LOG_LEVEL: 'warn',
      ...runner,
      ...(servedBy === 'workspace-api' ? { OZ_WEB_DIR: webDist } : {}),
    });
    cleanups.push(() => stopProcess(api));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHealth(`${apiUrl}/health`, api.exit, api.output);

    let webUrl = apiUrl;
    if (servedBy === 'proxy') {
      const web: WebServer = await startWebServer({ root: webDist, apiUrl, port: Number(process.env['OZ_E2E_WEB_PORT'] ?? 0) || undefined });
      cleanups.push(() => web.close());
      webUrl = web.url;
    }
    return { webUrl, apiUrl, controlPlaneUrl, llm, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function assertBuilt(app: string): void {
  if (!existsSync(join(DIST, 'apps', app, 'main.js'))) {
    throw new Error(`${DIST}/apps/${app}/main.js is missing: run \`npx nx e2e workspace-web-e2e\` (it builds what it runs) or \`npx nx build ${app}\``);
  }
}

/** Runs a built app as operators do (`node main.js`), with exactly `env` plus PATH. */
function startBuiltApp(app: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [join(DIST, 'apps', app, 'main.js'), ...args], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exit, output: () => stdout + stderr };
}

async function stopProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await server.exit;
  clearTimeout(timer);
}
