import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAbandonedClusters } from './abandoned-clusters';

describe('removeAbandonedClusters', () => {
  let parent: string;
  const hourAgo = new Date(Date.now() - 3_600_000);

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'oz-sweep-'));
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function clusterDir(name: string, options: { pid?: number; modified?: Date } = {}): Promise<string> {
    const dir = join(parent, name);
    await mkdir(dir);
    if (options.pid) await writeFile(join(dir, 'postmaster.pid'), `${options.pid}\n${dir}\n`);
    if (options.modified) await utimes(dir, options.modified, options.modified);
    return dir;
  }

  it('deletes old cluster directories whose server is gone, and only those', async () => {
    const running = spawn('sleep', ['30']);
    try {
      const abandoned = await clusterDir('oz-test-pg-a', { modified: hourAgo });
      const crashed = await clusterDir('oz-test-pg-b', { pid: 2 ** 22 + 1, modified: hourAgo });
      const live = await clusterDir('oz-test-pg-c', { pid: running.pid, modified: hourAgo });
      const initialising = await clusterDir('oz-test-pg-d');
      const unrelated = await clusterDir('something-else', { modified: hourAgo });

      await removeAbandonedClusters(parent, 'oz-test-pg-');

      const kept = [abandoned, crashed, live, initialising, unrelated].map(existsSync);
      expect(kept).toEqual([false, false, true, true, true]);
    } finally {
      running.kill();
    }
  });
});
