import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/**
 * The sidecar's shell scripts, checked without running them: they parse as POSIX sh (busybox sh is
 * what runs them; dash is a stricter POSIX parser), and ShellCheck finds nothing (Debian's
 * `shellcheck` package; `.ci/run` installs it).
 */
const ROOT = resolve(__dirname, '../../..');
const SIDECAR_SCRIPTS = ['docker/sidecar/entrypoint.sh', 'docker/sidecar/git-credential.sh', 'docker/sidecar/oz-room'];
const BUILD_SCRIPTS = [
  'docker/sidecar/build.sh',
  'docker/task-images/default/build.sh',
  'docker/task-images/default/stage-clis.sh',
  'docker/test-task/build.sh',
  'docker/test-task/fake-clis/claude',
  'docker/test-task/fake-clis/codex',
  'docker/test-task/fake-clis/gemini',
];
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

describe('the sidecar’s scripts', () => {
  it.each(SIDECAR_SCRIPTS)('%s parses as POSIX sh (busybox sh, dash)', (script) => {
    const path = join(ROOT, script);
    for (const shell of [['busybox', 'sh'], ['dash']].filter(([command]) => has(command as string))) {
      expect(spawnSync(shell[0] as string, [...shell.slice(1), '-n', path], { encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    }
  });

  it('pass ShellCheck, build scripts and test stand-ins included', () => {
    if (!has('shellcheck')) throw new Error('shellcheck is not installed: apt-get install shellcheck');
    const result = spawnSync('shellcheck', ['--severity=info', ...[...SIDECAR_SCRIPTS, ...BUILD_SCRIPTS].map((script) => join(ROOT, script))], { encoding: 'utf8' });
    expect({ status: result.status, findings: result.stdout }).toEqual({ status: 0, findings: '' });
  });

  it('run on the sidecar’s own shell, so that a task image needs none', () => {
    for (const script of SIDECAR_SCRIPTS) {
      expect(execFileSync('head', ['-1', join(ROOT, script)], { encoding: 'utf8' })).toBe('#!/agent/bin/sh\n');
    }
  });
});
