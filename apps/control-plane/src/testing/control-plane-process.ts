import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The built server, run as operators run it: `node dist/apps/control-plane/main.js [migrate]`. */

const WORKSPACE = join(__dirname, '../../../..');
const MAIN = join(WORKSPACE, 'dist/apps/control-plane/main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts main.js with exactly `env` (plus PATH), collecting its output. */
export function startControlPlaneProcess(args: string[], env: Record<string, string>): { child: ChildProcess; exit: Promise<Exit>; output: () => string } {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: WORKSPACE, env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exit, output: () => stdout + stderr };
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

export async function waitForHealth(url: string, exit: Promise<Exit>, output: () => string): Promise<Response> {
  let exited = false;
  void exit.then(() => (exited = true));
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && !exited; ) {
    const response = await fetch(url).catch(() => null);
    if (response) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server never answered ${url}:\n${output()}`);
}

/** Builds main.js; cached by Nx, so a no-op unless the sources changed. Tests must run the current code. */
export function buildControlPlane(): void {
  execSync('npx nx build control-plane', { cwd: WORKSPACE, stdio: 'pipe', env: { ...process.env, NX_DAEMON: 'false' } });
}
