import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SIDECAR_IMAGE = 'oz-sidecar:latest';

export type LocalDocker = { ok: true; version: string } | { ok: false; why: string };

/**
 * Whether `npm start` can run a local worker: a Docker engine answers (and OZ_STACK_WORKER is not
 * false). When it cannot, says why, for the banner.
 */
export async function localDocker(env: NodeJS.ProcessEnv): Promise<LocalDocker> {
  if (['0', 'false', 'no', 'off'].includes((env['OZ_STACK_WORKER'] ?? '').toLowerCase())) {
    return { ok: false, why: 'not started (OZ_STACK_WORKER=false)' };
  }
  try {
    const version = (await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 5_000 })).stdout.trim();
    return { ok: true, version };
  } catch {
    return { ok: false, why: 'none: no Docker engine is reachable, so runs with an environment stay PENDING (docs/workers.md)' };
  }
}

/**
 * Builds the sidecar image mounted into every task container, every time (seconds, cached by
 * Docker): an image left from an older checkout would give tasks an older entrypoint. No registry
 * is needed. Its output is kept only when it fails.
 */
export async function buildSidecar(repoRoot: string): Promise<void> {
  try {
    await run(join(repoRoot, 'docker/sidecar/build.sh'), [SIDECAR_IMAGE], { timeout: 120_000 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`docker/sidecar/build.sh failed${stderr ? `:\n${stderr.trim().split('\n').slice(-15).join('\n')}` : ''}`);
  }
}
