/**
 * `npm start`: builds the apps, provides a database (embedded unless DATABASE_URL is set) and the
 * local keys, runs every service of the stack with its logs in .data/logs/, prints what the person at
 * the terminal needs, and on Ctrl-C stops everything, the database last.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { printBanner } from './banner';
import { provideDatabase, type StackDatabase } from './database';
import { buildSidecar, localDocker, type LocalDocker } from './local-worker';
import { loadLocalSecrets, provideTenantKey, type LocalSecrets } from './local-secrets';
import { Progress } from './progress';
import { freePort, logTail, type RunningService, type ServiceSpec, startService, stopService, waitUntilHealthy } from './services';

const REPO_ROOT = resolve(__dirname, '..', '..');
const DATA_DIR = join(REPO_ROOT, '.data');
const LOG_DIR = join(DATA_DIR, 'logs');
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What `npm start` builds, in this order, each Nx project with its dependencies. */
const BUILDS = [
  { project: 'control-plane', title: 'the control plane' },
  { project: 'workspace-api', title: 'the workspace API' },
  { project: 'workspace-web', title: 'the dashboard' },
  { project: 'worker', title: 'the worker' },
];

export interface StackConfig {
  databaseUrl: string;
  secrets: LocalSecrets;
  controlPlanePort: number;
  workspacePort: number;
  /** How the workspace's live events travel: Redis when REDIS_URL is set, else in-process. */
  workspaceEvents: string;
  /** A local worker runs when Docker is there; otherwise the banner says why not. */
  docker: LocalDocker;
  /** The local worker's id; its token (secrets.localWorkerToken) connects only as this id. */
  localWorkerId: string;
  /** Loopback unless told otherwise: the admin API should not reach the network by accident. */
  host: string;
  /** The local worker's metrics port: 9464, or a free one when another worker on this machine has it. */
  workerMetricsPort: number;
}

function stackServices(config: StackConfig): ServiceSpec[] {
  return [
    {
      name: 'control-plane',
      title: 'the control plane',
      entry: 'dist/apps/control-plane/main.js',
      env: {
        DATABASE_URL: config.databaseUrl,
        OZ_ADMIN_API_KEY: config.secrets.adminApiKey,
        OZ_SECRETS_KEY: config.secrets.secretsKey,
        OZ_MIGRATE_ON_START: 'true',
        // The local worker's own token (bound to its id) joins any the operator configured.
        OZ_WORKER_TOKENS: [process.env['OZ_WORKER_TOKENS'], `${config.localWorkerId}=${config.secrets.localWorkerToken}`].filter(Boolean).join(','),
        PORT: String(config.controlPlanePort),
        HOST: config.host,
      },
      health: { port: config.controlPlanePort, path: '/health' },
    },
    {
      name: 'workspace-api',
      title: 'the workspace API',
      entry: 'dist/apps/workspace-api/main.js',
      // By default agents in the workspace run through the control plane (remote mode): providers are
      // configured once, there, and runs show up in the Oz API. OZ_RUNNER_MODE=local calls them directly.
      env: {
        DATABASE_URL: config.databaseUrl,
        AGENT_API_KEY: config.secrets.agentApiKey,
        OZ_RUNNER_MODE: process.env['OZ_RUNNER_MODE'] ?? 'remote',
        OZ_API_BASE_URL: process.env['OZ_API_BASE_URL'] ?? `http://127.0.0.1:${config.controlPlanePort}/api/v1`,
        // The admin key: the workspace registers each user's own control-plane tenant with it.
        OZ_API_KEY: process.env['OZ_API_KEY'] ?? config.secrets.adminApiKey,
        // Seals each user's control-plane token and agents' secrets at rest: a key of its own, not the control plane's.
        OZ_SECRETS_KEY: config.secrets.workspaceSecretsKey,
        // The workspace serves the dashboard it was just built with, at /.
        OZ_WEB_DIR: join(REPO_ROOT, 'dist/apps/workspace-web/browser'),
        PORT: String(config.workspacePort),
        HOST: config.host,
      },
      health: { port: config.workspacePort, path: '/health' },
    },
    ...(config.docker.ok
      ? [
          {
            name: 'worker',
            title: 'the worker',
            entry: 'dist/apps/worker/main.js',
            // Ready once its metrics port answers: it then handles signals, and has checked Docker.
            ...(config.workerMetricsPort > 0 ? { health: { port: config.workerMetricsPort, path: '/metrics' } } : {}),
            env: {
              OZ_WORKER_ID: config.localWorkerId,
              OZ_WORKER_API_KEY: config.secrets.localWorkerToken,
              OZ_CONTROL_PLANE_URL: `http://127.0.0.1:${config.controlPlanePort}`,
              // On your own machine the control plane listens on 127.0.0.1 only: its tasks use the
              // host's network to reach it (the gateway, the task reports). Workers on shared hosts
              // keep the default task bridge, which blocks the host (docs/workers.md).
              OZ_TASK_NETWORK: process.env['OZ_TASK_NETWORK'] ?? 'host',
              OZ_METRICS_HOST: process.env['OZ_METRICS_HOST'] ?? '127.0.0.1',
              OZ_METRICS_PORT: String(config.workerMetricsPort),
            },
          },
        ]
      : []),
  ];
}

/** Asked to stop (Ctrl-C): every long wait of the launcher gives way to it. */
class StopRequested extends Error {
  override name = 'StopRequested';
}

/** What a shutdown signal has to reach, whichever stage the launcher is in. */
interface LauncherState {
  build?: ChildProcess;
  services: RunningService[];
  stopSignal?: NodeJS.Signals;
  /** When the first stop signal came (performance.now()). */
  stopAt?: number;
  stopped: Promise<never>;
  requestStop: () => void;
}

async function main(): Promise<number> {
  const progress = new Progress();
  let requestStop: () => void = () => undefined;
  const state: LauncherState = {
    services: [],
    stopped: new Promise<never>((_, reject) => (requestStop = () => reject(new StopRequested()))),
    requestStop: () => requestStop(),
  };
  state.stopped.catch(() => undefined);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => onSignal(state, signal, progress));
  // Waits for `work`, unless a stop is requested first (the work then ends on its own, unheard).
  const untilStopped = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined);
    return Promise.race([work, state.stopped]);
  };

  await mkdir(LOG_DIR, { recursive: true });
  progress.line(`Starting Oz Stack (the services log to ${relative(process.cwd(), LOG_DIR) || LOG_DIR}/)`);
  let database: StackDatabase | undefined;
  try {
    const buildLog = join(LOG_DIR, 'build.log');
    for (const { project, title } of BUILDS) {
      await progress.step(`Building ${title}`, () => untilStopped(build(state, project, buildLog)));
    }
    const docker = await localDocker(process.env);
    database = await progress.step(
      process.env['DATABASE_URL'] ? 'Connecting to PostgreSQL (DATABASE_URL)' : 'Starting PostgreSQL',
      () => untilStopped(provideDatabase(DATA_DIR, LOG_DIR)),
    );
    const config: StackConfig = {
      databaseUrl: database.url,
      secrets: await loadLocalSecrets(DATA_DIR),
      controlPlanePort: portFromEnv('PORT', 8080),
      workspacePort: portFromEnv('WORKSPACE_PORT', 3000),
      workspaceEvents: process.env['REDIS_URL'] ? 'Redis Streams' : 'in-process; set REDIS_URL to run several replicas',
      docker,
      localWorkerId: process.env['OZ_WORKER_ID'] ?? 'local',
      host: process.env['HOST'] ?? '127.0.0.1',
      workerMetricsPort: process.env['OZ_METRICS_PORT'] ? portFromEnv('OZ_METRICS_PORT', 9464) : await freePort(9464),
    };
    if (docker.ok) await progress.step('Building the sidecar image', () => untilStopped(buildSidecar(REPO_ROOT)));
    for (const spec of stackServices(config)) {
      await progress.step(spec.name === 'control-plane' ? `Starting ${spec.title} (and migrating its database)` : `Starting ${spec.title}`, async () => {
        const service = await startService(spec, REPO_ROOT, join(LOG_DIR, `${spec.name}.log`));
        state.services.push(service);
        await untilStopped(waitUntilHealthy(service)).catch(async (error: unknown) => {
          if (!(error instanceof StopRequested)) await showLog(progress, service);
          throw error;
        });
      });
    }
    const tenantKey = await progress.step(
      'Providing a tenant key',
      () => untilStopped(provideTenantKey(DATA_DIR, `http://127.0.0.1:${config.controlPlanePort}/api/v1`, config.secrets.adminApiKey)),
      (key) => (key.issued ? 'issued a new one' : 'the one kept'),
    );
    printBanner(progress, { repoRoot: REPO_ROOT, logDir: LOG_DIR, config, database, tenantKey });

    // The stack lives as long as all of its services do.
    const ended = await untilStopped(Promise.race(state.services.map((service) => service.exited.then((code) => ({ service, code })))));
    progress.line(`\n${capitalised(ended.service.spec.title)} stopped by itself (exit code ${ended.code}); the rest of the stack stops too.`);
    await showLog(progress, ended.service);
    return 1;
  } catch (error) {
    if (error instanceof StopRequested) return 0;
    throw error;
  } finally {
    await shutDown(state, database, progress);
  }
}

/** Builds one Nx project (and what it depends on), its output appended to the build log. */
function build(state: LauncherState, project: string, logFile: string): Promise<void> {
  const log = openSync(logFile, 'a');
  const args = ['nx', 'build', project, '--outputStyle=static'];
  const child = spawn('npx', args, { cwd: REPO_ROOT, stdio: ['ignore', log, log] });
  closeSync(log);
  state.build = child;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', async (code) => {
      state.build = undefined;
      if (code === 0) return resolve();
      const tail = (await logTail(logFile, 25)).map((line) => `    ${line}`).join('\n');
      reject(new Error(`npx ${args.join(' ')} exited with ${code}; the end of ${relative(REPO_ROOT, logFile)}:\n${tail}`));
    });
  });
}

/**
 * One Ctrl-C can arrive more than once: the terminal signals npm, tsx and the launcher alike, and npm
 * and tsx pass the signal on to their child too. Copies within this long of the first are that one
 * Ctrl-C; a person pressing it again takes longer.
 */
const SAME_SIGNAL_MS = 750;

function onSignal(state: LauncherState, signal: NodeJS.Signals, progress: Progress): void {
  if (state.stopSignal && performance.now() - (state.stopAt ?? 0) < SAME_SIGNAL_MS) return;
  if (state.stopSignal) {
    // Asked twice: stop waiting for a graceful shutdown.
    progress.line('\nStopping at once.');
    for (const { child } of state.services) child.kill('SIGKILL');
    state.build?.kill('SIGKILL');
    return;
  }
  state.stopSignal = signal;
  state.stopAt = performance.now();
  progress.line(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the stack (press Ctrl-C again to stop at once)`);
  state.build?.kill('SIGTERM');
  state.requestStop();
}

/**
 * Stops the services in the reverse order of their start (the worker reports its tasks to the
 * control plane while that still runs), then the database.
 */
async function shutDown(state: LauncherState, database: StackDatabase | undefined, progress: Progress): Promise<void> {
  const running = [...state.services].reverse().filter(({ child }) => child.exitCode === null && child.signalCode === null);
  if (!state.stopSignal && running.length) progress.line('Stopping the stack');
  for (const service of running) {
    await progress.step(`Stopping ${service.spec.title}`, () => stopService(service, 'SIGTERM'), (code) => (code === 0 ? undefined : `exit code ${code}`));
  }
  if (database) await progress.step(process.env['DATABASE_URL'] ? 'Leaving PostgreSQL (DATABASE_URL) running' : 'Stopping PostgreSQL', () => database.stop());
  if (state.stopSignal || running.length) progress.line('Oz Stack stopped.');
}

async function showLog(progress: Progress, service: RunningService): Promise<void> {
  const lines = await logTail(service.logFile);
  if (!lines.length) return;
  progress.line(`  The last lines of ${relative(REPO_ROOT, service.logFile)}:`);
  for (const line of lines) progress.line(`    ${line}`);
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  const port = value ? Number(value) : fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number, got "${value}"`);
  }
  return port;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
