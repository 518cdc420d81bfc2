import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

// A young directory may belong to a run still in initdb, before postmaster.pid exists.
const MIN_AGE_MS = 10 * 60_000;

/**
 * A run stopped before global teardown (Ctrl-C, a killed CI job) leaves its throwaway cluster
 * behind, some 40 MB each. Deletes those under parent/prefix* whose server is gone.
 */
export async function removeAbandonedClusters(parent: string, prefix: string): Promise<void> {
  const names = (await readdir(parent)).filter((name) => name.startsWith(prefix));
  await Promise.all(
    names.map(async (name) => {
      const dataDir = join(parent, name);
      try {
        if (Date.now() - (await stat(dataDir)).mtimeMs < MIN_AGE_MS) return;
        if (await serverIsRunning(dataDir)) return;
        await rm(dataDir, { recursive: true, force: true });
      } catch {
        // Another run got there first, or the directory is not ours to read: leave it.
      }
    }),
  );
}

async function serverIsRunning(dataDir: string): Promise<boolean> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidFile.split('\n')[0]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
