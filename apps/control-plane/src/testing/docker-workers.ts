import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Worker-mode tests: real worker processes running real containers from images built here. */
const WORKSPACE = join(__dirname, '../../../..');
export const SIDECAR_IMAGE = 'oz-sidecar:e2e';
export const TASK_IMAGE = 'oz-test-task:e2e';
export const WORKER_TOKEN = 'docker-worker-token-0123456789';

/**
 * Checks the Docker engine, builds the worker, the sidecar image and the task image (no registry
 * exists: both come from local files), and a git repository to clone. Returns the repository folder.
 */
export function prepareDockerWorkers(): { repos: string } {
  try {
    execFileSync('docker', ['info'], { stdio: 'pipe' });
  } catch {
    throw new Error('These tests need a Docker engine: install docker.io and start dockerd (.ci/run does)');
  }
  execSync('npx nx build worker --outputStyle=static', { cwd: WORKSPACE, stdio: 'pipe', env: { ...process.env, NX_DAEMON: 'false' } });
  execFileSync('docker', ['build', '-q', '-t', SIDECAR_IMAGE, join(WORKSPACE, 'docker/sidecar')], { stdio: 'pipe' });
  execFileSync(join(WORKSPACE, 'docker/test-task/build.sh'), [TASK_IMAGE], { stdio: 'pipe' });
  const repos = mkdtempSync(join(tmpdir(), 'oz-repos-'));
  execSync(
    `git init -q app && cd app && echo 'hello from the repo' > README.md && git add . && ` +
      `git -c user.email=t@example.com -c user.name=test commit -qm init`,
    { cwd: repos, stdio: 'pipe' },
  );
  return { repos };
}

export type WorkerProcess = ChildProcess & { output: () => string };

/** `node dist/apps/worker/main.js` with task containers on no network and `mounts` bind-mounted. */
export function startWorkerProcess(
  origin: string,
  workerId: string,
  options: { mounts?: string[]; maxConcurrentTasks?: number; env?: Record<string, string> } = {},
): WorkerProcess {
  const args = ['--worker-id', workerId, '--max-concurrent-tasks', String(options.maxConcurrentTasks ?? 2)];
  for (const mount of options.mounts ?? []) args.push('--mount', mount);
  const child = spawn(process.execPath, [join(WORKSPACE, 'dist/apps/worker/main.js'), ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      OZ_CONTROL_PLANE_URL: origin,
      OZ_WORKER_API_KEY: WORKER_TOKEN,
      OZ_TASK_NETWORK: 'none',
      OZ_TASK_MEMORY_MB: '256',
      OZ_LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/** Ids of the containers (running or not) of a run's task. */
export function taskContainersOf(runId: string): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', `label=oz.task-id=${runId}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

export const WORKER_MAIN = join(WORKSPACE, 'dist/apps/worker/main.js');
