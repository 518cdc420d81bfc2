import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SIDECAR_IMAGE = 'oz-sidecar:latest';

/**
 * Whether `npm start` can run a local worker: a Docker engine answers (and OZ_STACK_WORKER is not
 * false). Builds the sidecar image when this machine lacks it, so worker mode works without a
 * registry. Returns why not, for the banner, when it cannot.
 */
export async function prepareLocalWorker(repoRoot: string, env: NodeJS.ProcessEnv): Promise<{ ok: true; docker: string } | { ok: false; why: string }> {
  if (['0', 'false', 'no', 'off'].includes((env['OZ_STACK_WORKER'] ?? '').toLowerCase())) {
    return { ok: false, why: 'not started (OZ_STACK_WORKER=false)' };
  }
  let version: string;
  try {
    version = (await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 5_000 })).stdout.trim();
  } catch {
    return { ok: false, why: 'none: no Docker engine is reachable, so runs with an environment stay PENDING (README, Worker mode)' };
  }
  // Built every time (seconds, cached by Docker): an image left from an older checkout would give
  // tasks an older entrypoint.
  await run(join(repoRoot, 'docker/sidecar/build.sh'), [SIDECAR_IMAGE], { timeout: 120_000 });
  return { ok: true, docker: version };
}
