import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder holding one git repository, `app`, with a README saying "hello from the repo": mounted into
 * task containers, it is cloned as file:///…/app (no network involved).
 */
export function createRepositories(): string {
  const folder = mkdtempSync(join(tmpdir(), 'oz-repos-'));
  const app = join(folder, 'app');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd: app, stdio: 'pipe' });
  execFileSync('git', ['init', '-q', app], { stdio: 'pipe' });
  writeFileSync(join(app, 'README.md'), 'hello from the repo\n');
  git('add', '.');
  git('commit', '-qm', 'init');
  return folder;
}
