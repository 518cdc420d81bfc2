import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { repoPath, run, runOk, type CommandResult } from './commands';

export const COMPOSE_FILE = repoPath('docker/compose.yaml');

export interface ComposeService {
  image: string;
  command?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { target: number; published: number | string; host_ip?: string })[];
  volumes?: (string | { type: string; source: string; target: string })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  deploy?: { replicas?: number };
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  group_add?: (string | number)[];
  restart?: string;
  init?: boolean;
  tmpfs?: string[];
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose config` of the given files with an env file: the stack as Compose resolves it. */
export function composeConfig(envFile: string, files: string[] = [COMPOSE_FILE]): ComposeConfig {
  return load(runOk('docker-compose', [...files.flatMap((file) => ['-f', file]), '--env-file', envFile, 'config'])) as ComposeConfig;
}

export function composeConfigResult(envFile: string): CommandResult {
  return run('docker-compose', ['-f', COMPOSE_FILE, '--env-file', envFile, 'config']);
}

/** A fresh env file from docker/init-env.sh, in a temporary directory removed by `remove()`. */
export function freshEnvFile(): { path: string; values: Record<string, string>; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'oz-env-'));
  const path = join(dir, '.env');
  runOk('sh', [repoPath('docker/init-env.sh'), path]);
  return { path, values: parseEnvFile(readFileSync(path, 'utf8')), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1] as string] = match[2] as string;
  }
  return values;
}
