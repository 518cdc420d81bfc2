import { execFileSync } from 'node:child_process';

/** Fails with what to do when no Docker engine answers, rather than with the first container call. */
export function assertDockerEngine(): void {
  try {
    execFileSync('docker', ['info'], { stdio: 'pipe', timeout: 30_000 });
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new Error(`These tests need a Docker engine (\`docker info\` failed: ${reason}). Install docker.io and start dockerd (.ci/run does).`);
  }
}

/**
 * Fails, naming the command that builds them, unless every image is on this machine. Tests never
 * pull: their images are built from files in the repository by an Nx target the e2e target depends on.
 */
export function assertDockerImages(images: string[], buildCommand: string): void {
  const missing = images.filter((image) => {
    try {
      execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { stdio: 'pipe' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`Docker image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing: run \`${buildCommand}\` (the e2e target does it first)`);
  }
}

/** Ids of the containers, running or not, that carry `label` (`name=value`). */
export function containersLabelled(label: string): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Force-removes containers (with their anonymous volumes); ids already gone are fine. */
export function removeContainers(ids: string[]): void {
  if (ids.length === 0) return;
  try {
    execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'pipe' });
  } catch {
    // gone already
  }
}
