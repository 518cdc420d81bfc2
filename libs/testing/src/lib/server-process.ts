import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Root of the repository (where nx.json and dist/ are). */
export const REPO_ROOT = join(__dirname, '../../../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ServerProcess {
  child: ChildProcess;
  exit: Promise<Exit>;
  output: () => string;
}

/** Runs a built app (`dist/apps/<app>/main.js`) as operators run it, with exactly `env` (plus PATH). */
export function startBuiltApp(app: string, args: string[], env: Record<string, string>): ServerProcess {
  const main = join(REPO_ROOT, 'dist/apps', app, 'main.js');
  const child = spawn(process.execPath, [main, ...args], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exit, output: () => stdout + stderr };
}

/**
 * Fails fast, and says how to fix it, when an app a test runs as a process was not built. The e2e
 * targets build what they run through Nx (`dependsOn`), so tests never start a build themselves.
 */
export function assertBuilt(app: string): void {
  if (!existsSync(join(REPO_ROOT, 'dist/apps', app, 'main.js'))) {
    throw new Error(`dist/apps/${app}/main.js is missing: run these tests with \`npx nx e2e <project>\` (it builds ${app} first) or \`npx nx build ${app}\``);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address ? address.port : 0;
}

/** The first answer from `url`, or an error with the server's output if it exits or never answers. */
export async function waitForHealth(url: string, exit: Promise<Exit>, output: () => string, timeoutMs = 30_000): Promise<Response> {
  let exited = false;
  void exit.then(() => (exited = true));
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !exited; ) {
    const response = await fetch(url).catch(() => null);
    if (response) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server never answered ${url}:\n${output()}`);
}
