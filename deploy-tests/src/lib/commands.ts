import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository's root, whatever the working directory of the test run. */
export const REPO_ROOT = resolve(__dirname, '../../..');

export const repoPath = (...parts: string[]): string => resolve(REPO_ROOT, ...parts);

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): CommandResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${command} is not installed (${installHint(command)})`);
    throw result.error;
  }
  return { status: result.status ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** Runs a command that must succeed and returns its standard output. */
export function runOk(command: string, args: readonly string[], options: SpawnSyncOptions = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

function installHint(command: string): string {
  switch (command) {
    case 'kubectl':
      return 'kubectl 1.27 or newer, with kustomize built in';
    case 'promtool':
      return 'apt-get install prometheus (for promtool; the service need not run)';
    case 'docker-compose':
      return 'apt-get install docker-compose';
    case 'docker':
      return 'apt-get install docker.io, and a running dockerd';
    default:
      return `install ${command}`;
  }
}
