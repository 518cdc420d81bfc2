import { assertDockerEngine, assertDockerImages } from '@oz/testing';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SIDECAR_IMAGE, TASK_IMAGE } from './images';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../../..');
const IMAGES_COMMAND = 'npx nx run worker-e2e:images';

/** A task image with no shell and no tools at all (docker/test-task/bare). */
export const BARE_IMAGE = 'oz-test-bare:e2e';
/** Stand-ins for claude, codex and gemini (docker/test-task/fake-clis), mounted into task containers. */
export const FAKE_CLIS = join(ROOT, 'docker/test-task/fake-clis');
/** The real Claude Code binary, installed from npm by the images target (stage-clis.sh). */
export const CLAUDE_BINARY = join(ROOT, 'dist/e2e/clis/lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe');
/** Every container and volume these helpers make carries it, so a suite can clear what it left. */
const LABEL = 'oz.e2e=sidecar';

/** A Docker engine, the images and the staged CLI are there (tests never build or pull them). */
export function assertSidecarTestsReady(options: { realClaude?: boolean } = {}): void {
  assertDockerEngine();
  assertDockerImages([SIDECAR_IMAGE, TASK_IMAGE, BARE_IMAGE], IMAGES_COMMAND);
  if (options.realClaude && !existsSync(CLAUDE_BINARY)) throw new Error(`${CLAUDE_BINARY} is missing: run \`${IMAGES_COMMAND}\` (the e2e target does it first)`);
}

/**
 * Makes a volume of the sidecar exactly as Warp's official worker does: a container of the image
 * (`true`, never started) is exported, and the image itself, run as root with
 * `/bin/sh -c "tar -x -C /target"`, untars that export from its stdin into the volume.
 */
export async function materialiseSidecarOfficially(image = SIDECAR_IMAGE): Promise<string> {
  const volume = `oz-e2e-sidecar-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await run('docker', ['volume', 'create', '--label', LABEL, volume]);
  const source = (await run('docker', ['create', '--label', LABEL, image, 'true'])).stdout.trim();
  try {
    const exported = spawn('docker', ['export', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    const untar = spawn('docker', ['run', '--rm', '-i', '--label', LABEL, '--network', 'none', '--user', 'root', '--entrypoint', '/bin/sh', '-v', `${volume}:/target`, image, '-c', 'tar -x -C /target'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    exported.stdout.pipe(untar.stdin);
    let errors = '';
    exported.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    untar.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const [exportCode, untarCode] = await Promise.all([exitOf(exported), exitOf(untar)]);
    if (exportCode !== 0 || untarCode !== 0) throw new Error(`materialising ${image}: export exited ${exportCode}, untar exited ${untarCode}: ${errors}`);
  } finally {
    await run('docker', ['rm', '-f', source]).catch(() => undefined);
  }
  return volume;
}

/** Removes the volumes and containers these helpers made. */
export function clearSidecarLeftovers(volumes: string[]): void {
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABEL}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (containers.length) execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'pipe' });
  for (const volume of volumes) {
    try {
      execFileSync('docker', ['volume', 'rm', '-f', volume], { stdio: 'pipe' });
    } catch {
      // gone already
    }
  }
}

export interface TaskRunOptions {
  /** The sidecar volume, mounted read-only at /agent. */
  sidecar: string;
  image?: string;
  /** The assignment's env_vars, as the control plane sends them (OZ_TASK_PROMPT, OZ_ENV_VARS …). */
  env: Record<string, string>;
  /** `host` for tasks that talk to fake servers on 127.0.0.1; default none. */
  network?: 'none' | 'host';
  taskId?: string;
  /** The run's harness, as the official worker passes it on the command line (`--harness`). */
  harness?: string;
  /** Extra `host:container[:ro]` bind mounts. */
  mounts?: string[];
  /** Mounts the fake CLIs and puts them first on PATH. */
  fakeClis?: boolean;
  timeoutMs?: number;
}

export interface TaskRun {
  code: number;
  /** The container's stdout and stderr (what a worker's log stream sees). */
  log: string;
  /** The host folder mounted at /workspace. */
  workspace: string;
  /** /workspace/.oz/agent_output.txt, or null when there is none. */
  output: string | null;
}

/**
 * Runs a task container the way the official worker's Docker backend does: the task image with the
 * sidecar volume at /agent (read-only), `/agent/entrypoint.sh agent run --task-id … [official flags]`
 * as its command in /workspace, `TASK_ID`, `GIT_TERMINAL_PROMPT=0`, `GH_PROMPT_DISABLED=1` and
 * `WARP_SERVER_ROOT_URL` plus the assignment's variables, and nothing else from a worker: no output
 * and no log is collected for it but the container's own. Confined as our worker confines tasks (no
 * capabilities, no-new-privileges). /workspace is a host folder, so a test can look into it.
 */
export async function runTask(options: TaskRunOptions): Promise<TaskRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'oz-e2e-workspace-'));
  const taskId = options.taskId ?? `run-${Date.now().toString(36)}`;
  const env: Record<string, string> = {
    TASK_ID: taskId,
    GIT_TERMINAL_PROMPT: '0',
    GH_PROMPT_DISABLED: '1',
    WARP_SERVER_ROOT_URL: 'https://app.warp.dev',
    ...(options.fakeClis ? { PATH: '/opt/fake-clis:/usr/local/bin:/usr/bin:/bin' } : {}),
    ...options.env,
  };
  const args = ['run', '--rm', '--label', LABEL, '--network', options.network ?? 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
  args.push('--memory', '1g', '--pids-limit', '512', '-w', '/workspace', '-v', `${options.sidecar}:/agent:ro`, '-v', `${workspace}:/workspace`);
  if (options.fakeClis) args.push('-v', `${FAKE_CLIS}:/opt/fake-clis:ro`);
  for (const mount of options.mounts ?? []) args.push('-v', mount);
  for (const [name, value] of Object.entries(env)) args.push('-e', `${name}=${value}`);
  args.push(options.image ?? TASK_IMAGE, '/agent/entrypoint.sh', 'agent', 'run', '--share', 'team:edit', '--task-id', taskId, '--sandboxed');
  args.push('--server-root-url', 'https://app.warp.dev', '--no-computer-use', ...(options.harness ? ['--harness', options.harness] : []));
  args.push('--environment', 'env_e2e', '--idle-on-complete', '45m');
  let code = 0;
  let log: string;
  try {
    const { stdout, stderr } = await run('docker', args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    log = stdout + stderr;
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    code = failed.code;
    log = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
  const outputFile = join(workspace, '.oz/agent_output.txt');
  return { code, log, workspace, output: existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : null };
}

/** Removes task workspaces (their files belong to the container's root, as the tests do). */
export function removeWorkspaces(runs: TaskRun[]): void {
  for (const task of runs) rmSync(task.workspace, { recursive: true, force: true });
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolvePromise) => child.on('close', (code) => resolvePromise(code ?? 1)));
}
