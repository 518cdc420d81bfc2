/**
 * `npm start`: builds the apps, provides a database (embedded unless DATABASE_URL is set) and the
 * local keys, runs every service of the stack and stops them all, database last, on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadProviderSettings } from '../../libs/providers/src';
import { provideDatabase, type StackDatabase } from './database';
import { prepareLocalWorker } from './local-worker';
import { loadLocalSecrets, provideTenantKey, type LocalSecrets } from './local-secrets';
import {
  type RunningService,
  type ServiceSpec,
  startService,
  stopServices,
  waitUntilHealthy,
} from './services';

const REPO_ROOT = resolve(__dirname, '..', '..');
const DATA_DIR = join(REPO_ROOT, '.data');
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The Nx projects whose build output stackServices() runs. */
const BUILT_PROJECTS = ['control-plane', 'worker', 'workspace-api', 'workspace-web'];

interface StackConfig {
  databaseUrl: string;
  secrets: LocalSecrets;
  controlPlanePort: number;
  workspacePort: number;
  /** How the workspace's live events travel: Redis when REDIS_URL is set, else in-process. */
  workspaceEvents: string;
  /** A local worker runs when Docker is there; otherwise the banner says why not. */
  worker: Awaited<ReturnType<typeof prepareLocalWorker>>;
  /** The local worker's id; its token (secrets.localWorkerToken) connects only as this id. */
  localWorkerId: string;
}

function stackServices(config: StackConfig): ServiceSpec[] {
  return [
    {
      name: 'control-plane',
      entry: 'dist/apps/control-plane/main.js',
      env: {
        DATABASE_URL: config.databaseUrl,
        OZ_ADMIN_API_KEY: config.secrets.adminApiKey,
        OZ_SECRETS_KEY: config.secrets.secretsKey,
        OZ_MIGRATE_ON_START: 'true',
        // The local worker's own token (bound to its id) joins any the operator configured.
        OZ_WORKER_TOKENS: [process.env['OZ_WORKER_TOKENS'], `${config.localWorkerId}=${config.secrets.localWorkerToken}`].filter(Boolean).join(','),
        PORT: String(config.controlPlanePort),
        // Loopback unless told otherwise: the admin API should not reach the network by accident.
        HOST: process.env['HOST'] ?? '127.0.0.1',
      },
      health: { port: config.controlPlanePort, path: '/health' },
    },
    {
      name: 'workspace-api',
      entry: 'dist/apps/workspace-api/main.js',
      // By default agents in the workspace run through the control plane (remote mode): providers are
      // configured once, there, and runs show up in the Oz API. OZ_RUNNER_MODE=local calls them directly.
      env: {
        DATABASE_URL: config.databaseUrl,
        AGENT_API_KEY: config.secrets.agentApiKey,
        OZ_RUNNER_MODE: process.env['OZ_RUNNER_MODE'] ?? 'remote',
        OZ_API_BASE_URL: process.env['OZ_API_BASE_URL'] ?? `http://127.0.0.1:${config.controlPlanePort}/api/v1`,
        OZ_API_KEY: process.env['OZ_API_KEY'] ?? config.secrets.adminApiKey,
        // Seals each user's control-plane token and agents' secrets at rest: a key of its own, not the control plane's.
        OZ_SECRETS_KEY: config.secrets.workspaceSecretsKey,
        // The workspace serves the dashboard it was just built with, at /.
        OZ_WEB_DIR: join(REPO_ROOT, 'dist/apps/workspace-web/browser'),
        PORT: String(config.workspacePort),
        HOST: process.env['HOST'] ?? '127.0.0.1',
      },
      health: { port: config.workspacePort, path: '/health' },
    },
    ...(config.worker.ok
      ? [
          {
            name: 'worker',
            entry: 'dist/apps/worker/main.js',
            // It retries until the control plane is up, so it needs no health check of its own.
            env: {
              OZ_WORKER_ID: config.localWorkerId,
              OZ_WORKER_API_KEY: config.secrets.localWorkerToken,
              OZ_CONTROL_PLANE_URL: `http://127.0.0.1:${config.controlPlanePort}`,
            },
          },
        ]
      : []),
  ];
}

/** What a shutdown signal has to reach, whichever stage the launcher is in. */
interface LauncherState {
  build?: ChildProcess;
  services: RunningService[];
  stopSignal?: NodeJS.Signals;
}

async function main(): Promise<number> {
  const state: LauncherState = { services: [] };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => requestStop(state, signal));

  await build(state);
  if (state.stopSignal) return signalExitCode(state.stopSignal);

  await mkdir(DATA_DIR, { recursive: true });
  const database = await provideDatabase(DATA_DIR);
  try {
    const config: StackConfig = {
      databaseUrl: database.url,
      secrets: await loadLocalSecrets(DATA_DIR),
      controlPlanePort: portFromEnv('PORT', 8080),
      workspacePort: portFromEnv('WORKSPACE_PORT', 3000),
      workspaceEvents: process.env['REDIS_URL'] ? 'Redis Streams' : 'in-process (set REDIS_URL to run several replicas)',
      worker: await prepareLocalWorker(REPO_ROOT, process.env),
      localWorkerId: process.env['OZ_WORKER_ID'] ?? 'local',
    };
    if (state.stopSignal) return signalExitCode(state.stopSignal);
    for (const spec of stackServices(config)) {
      state.services.push(await startService(spec, REPO_ROOT));
      if (state.stopSignal) return signalExitCode(state.stopSignal);
    }
    await Promise.all(state.services.map(waitUntilHealthy)).catch((error) => {
      if (!state.stopSignal) throw error; // a service stopped on request is not a failure
    });
    if (!state.stopSignal) {
      const apiBaseUrl = `http://127.0.0.1:${config.controlPlanePort}/api/v1`;
      printBanner(config, database, await provideTenantKey(DATA_DIR, apiBaseUrl, config.secrets.adminApiKey));
    }

    // The stack lives as long as all of its services do.
    return await Promise.race(state.services.map((service) => service.exited));
  } finally {
    await stopServices(state.services, 'SIGTERM');
    await database.stop();
  }
}

function build(state: LauncherState): Promise<void> {
  const args = ['nx', 'run-many', '--targets=build', `--projects=${BUILT_PROJECTS.join(',')}`];
  const child = spawn('npx', args, { cwd: REPO_ROOT, stdio: 'inherit' });
  state.build = child;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      state.build = undefined;
      if (code === 0 || state.stopSignal) resolve();
      else reject(new Error(`build failed (npx ${args.join(' ')} exited with ${code})`));
    });
  });
}

function requestStop(state: LauncherState, signal: NodeJS.Signals): void {
  if (state.stopSignal) {
    // Asked twice: stop waiting for a graceful shutdown.
    for (const { child } of state.services) child.kill('SIGKILL');
    return;
  }
  state.stopSignal = signal;
  process.stderr.write(`\n${signal}: stopping the stack (again to force)\n`);
  state.build?.kill('SIGTERM');
  // Services get SIGTERM for a hang-up: the terminal they would report to is gone.
  void stopServices(state.services, signal === 'SIGHUP' ? 'SIGTERM' : signal);
}

/** The shell's convention for "ended by signal N". */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  const port = value ? Number(value) : fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number, got "${value}"`);
  }
  return port;
}

function printBanner(config: StackConfig, database: StackDatabase, tenantKey: { token: string; file: string }): void {
  const { secrets, controlPlanePort } = config;
  const base = `http://localhost:${controlPlanePort}`;
  const keyFile = secrets.adminKeyFile;
  const bearer = keyFile ? `$(cat ${relative(REPO_ROOT, keyFile)})` : '$OZ_ADMIN_API_KEY';
  const tenantFile = relative(REPO_ROOT, tenantKey.file);
  const lines = [
    '',
    'Oz Stack is running',
    `  API        ${base}/api/v1`,
    `  API docs   ${base}/api/docs`,
    `  Dashboard  http://localhost:${config.workspacePort}/  (the first account you create is the instance admin)`,
    `  Workspace  http://localhost:${config.workspacePort}/api  (docs /api/docs; events ${config.workspaceEvents})`,
    `  Admin key  ${keyFile ? `${secrets.adminApiKey}  (kept in ${relative(REPO_ROOT, keyFile)}; for operators: issue tenant keys and worker tokens with it)` : 'from OZ_ADMIN_API_KEY'}`,
    `  Tenant key ${tenantKey.token}  (kept in ${tenantFile}; what SDK clients use)`,
    `  Data       ${database.description}`,
    `  Providers  ${providersLine()}`,
    `  Workers    ${workersLine(config, bearer, base)}`,
    `  Try        curl -H "Authorization: Bearer $(cat ${tenantFile})" ${base}/api/v1/agent/runs`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function workersLine(config: StackConfig, bearer: string, base: string): string {
  const { worker, localWorkerId, secrets } = config;
  if (worker.ok === false) return worker.why;
  const issue = `curl -s -X POST -H "Authorization: Bearer ${bearer}" -H 'content-type: application/json' -d '{"worker_id":"NAME"}' ${base}/api/v1/admin/worker-tokens`;
  return (
    `${localWorkerId} (Docker ${worker.docker}; its token, bound to ${localWorkerId}, is in ${relative(REPO_ROOT, secrets.localWorkerTokenFile)}); ` +
    `add more: a token for each (${issue}), then OZ_WORKER_API_KEY=<token> npm run start:worker -- --worker-id NAME`
  );
}

/** Which OZ_PROVIDER_* the control plane will use; a bad setting is the control plane's to report. */
function providersLine(): string {
  try {
    const { providers } = loadProviderSettings(process.env);
    if (!providers.size) return 'none: runs without an environment fail until you set OZ_PROVIDER_* (README, Providers)';
    return [...providers.values()].map((p) => `${p.key} (${p.type}${p.problems.length ? ', incomplete' : `, ${p.model}`})`).join(', ');
  } catch {
    return 'misconfigured (see the control plane log)';
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
