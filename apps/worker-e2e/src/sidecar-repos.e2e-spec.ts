import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane';
import { startGitHttpServer, type GitHttpServer } from './support/git-http-server';
import { assertSidecarTestsReady, BARE_IMAGE, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';

/**
 * Repositories as the entrypoint clones them, with real git against a real git server over HTTP on
 * 127.0.0.1 (git http-backend behind Basic auth). `owner/repo` means GitHub: the test points
 * https://github.com/ at the local server with git's own `url.<base>.insteadOf` (set through
 * GIT_CONFIG_* variables in the environment), so the clone URL git is given is the expanded one and
 * the credentials git sends are the ones the helper and the store hand out.
 */
describe('repositories and their credentials', () => {
  const ghToken = 'ghp_oz0e2e1token2for3github4456789';
  const alicePassword = 's3cret-pass-word-of-alice';
  const runToken = 'oz-task-token-for-the-repos-suite-01';
  let sidecar: string;
  let git: GitHttpServer;
  let controlPlane: FakeControlPlane;
  const runs: TaskRun[] = [];

  beforeAll(async () => {
    assertSidecarTestsReady();
    sidecar = await materialiseSidecarOfficially();
    git = await startGitHttpServer([
      { path: 'acme/app.git', user: 'x-access-token', password: ghToken, commits: ['first version', 'hello from acme/app'] },
      { path: 'private/lib.git', user: 'alice', password: alicePassword, commits: ['hello from the private lib'] },
    ]);
    controlPlane = await startFakeControlPlane({ token: runToken });
  }, 60_000);

  afterAll(async () => {
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(runs);
    await Promise.all([git?.close(), controlPlane?.close()]);
  });

  async function task(runId: string, env: Record<string, string>): Promise<TaskRun> {
    const result = await runTask({
      sidecar,
      network: 'host',
      taskId: runId,
      env: { OZ_TASK_TOKEN: runToken, OZ_API_BASE_URL: controlPlane.apiBaseUrl, OZ_RUN_ID: runId, OZ_TASK_PROMPT: 'work on the repos', OZ_ENV_SETUP_COMMANDS: '', ...env },
    });
    runs.push(result);
    return result;
  }

  /** The environment's variables: the GitHub token, github.com → the local server, the server allowed plain http. */
  const gitEnv = (extra: string[] = []) =>
    [
      `GH_TOKEN=${ghToken}`,
      'GIT_CONFIG_COUNT=1',
      `GIT_CONFIG_KEY_0=url.${git.origin}/.insteadOf`,
      'GIT_CONFIG_VALUE_0=https://github.com/',
      `OZ_GIT_CREDENTIAL_HOSTS=${git.origin}`,
      ...extra,
    ].join('\n');

  /** Everything a task printed or reported. */
  const everything = (result: TaskRun, runId: string) => [result.log, ...controlPlane.reports.filter((r) => r.runId === runId).map((r) => r.body)].join('\n');

  it('clones owner/repo from GitHub and user-info URLs shallow, with credentials from the helper and the store, which the agent can push with', async () => {
    const runId = 'run-repos';
    const agent = [
      'set -e',
      'cd /workspace/app',
      'git rev-list --count HEAD',
      'cat README.md',
      'git config --get remote.origin.url',
      'git checkout -q -b oz/change',
      'echo change >> README.md',
      'git -c user.email=oz@example.com -c user.name=oz commit -qam change',
      'git push -q origin oz/change',
      'echo pushed app',
      'cd /workspace/lib',
      'cat README.md',
      'git config --get remote.origin.url',
      'git push -q origin HEAD:refs/heads/oz/lib',
      'echo pushed lib',
    ].join('\n');
    const result = await task(runId, {
      OZ_ENV_REPOS: `acme/app\n${git.origin.replace('http://', `http://alice:${alicePassword}@`)}/private/lib.git`,
      OZ_ENV_VARS: gitEnv(),
      OZ_ENV_SETUP_COMMANDS: 'echo "a mirror: https://bob:hunter2-and-more@example.com/x.git"',
      OZ_AGENT_COMMAND: agent,
    });

    expect({ code: result.code, log: result.log }).toEqual({ code: 0, log: expect.any(String) });
    expect(result.output).toBe(
      [
        '1', // shallow: one commit of two
        'hello from acme/app',
        'https://github.com/acme/app.git', // owner/repo, expanded
        'pushed app',
        'hello from the private lib',
        `${git.origin}/private/lib.git`, // the user-info is not kept in the URL
        'pushed lib',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(result.workspace, 'app/.git/shallow'))).toBe(true);
    expect(git.branch('acme/app.git', 'oz/change')).toMatch(/^[0-9a-f]{40}$/);
    expect(git.branch('private/lib.git', 'oz/lib')).toMatch(/^[0-9a-f]{40}$/);

    // Each repository got its own credentials, and only those.
    const authorised = (repository: string) => [...new Set(git.requests.filter((r) => r.repository === repository && r.status !== 401).map((r) => `${r.user}:${r.password}`))];
    expect(authorised('acme/app.git')).toEqual([`x-access-token:${ghToken}`]);
    expect(authorised('private/lib.git')).toEqual([`alice:${alicePassword}`]);
    expect(git.requests.filter((r) => r.service === 'git-receive-pack' && r.status === 200).map((r) => r.repository)).toEqual(['acme/app.git', 'private/lib.git']);

    // Logs name the repositories without secrets; secrets in other URLs are masked too.
    const said = everything(result, runId);
    expect(said).toContain('oz-sidecar: cloning https://github.com/acme/app.git into /workspace/app');
    expect(said).toContain(`oz-sidecar: cloning ${git.origin}/private/lib.git into /workspace/lib`);
    expect(said).toContain('a mirror: https://***@example.com/x.git');
    for (const secret of [ghToken, alicePassword, 'hunter2-and-more', runToken]) expect(said).not.toContain(secret);
    // Nor is any secret written into the workspace (git's config of each clone included).
    for (const file of filesUnder(result.workspace)) {
      const text = readFileSync(file, 'latin1');
      expect({ file, hasSecret: [ghToken, alicePassword].some((secret) => text.includes(secret)) }).toEqual({ file, hasSecret: false });
    }
  }, 90_000);

  it('fails the task with git’s exit code when a clone fails, and git’s own error shows no user-info either', async () => {
    const runId = 'run-repos-missing';
    const result = await task(runId, {
      OZ_ENV_REPOS: `${git.origin.replace('http://', 'http://bob:leaky-pass-1234@')}/missing/repo.git`,
      OZ_ENV_VARS: gitEnv(),
      OZ_AGENT_COMMAND: 'echo never',
    });
    expect(result.code).toBe(128);
    expect(result.output).toBeNull(); // the agent never ran
    const said = everything(result, runId);
    expect(said).toContain(`oz-sidecar: cloning ${git.origin}/missing/repo.git failed (exit 128)`);
    expect(said).toMatch(/fatal: repository '.*\/missing\/repo\.git\/' not found/);
    expect(said).not.toContain('leaky-pass-1234');
    expect((await controlPlane.finished(runId)).body).toBe('{"exit_code": 128}');
  }, 60_000);

  it('shows no user-info in git’s messages either, even when git is handed such a URL directly', async () => {
    const runId = 'run-repos-userinfo-in-git';
    // A setup command gives git a user-info URL itself (not through the entrypoint), and git names it in its error.
    const result = await task(runId, {
      OZ_ENV_REPOS: '',
      OZ_ENV_SETUP_COMMANDS: `git ls-remote ${git.origin.replace('http://', 'http://carol:carols-password-99@')}/missing/x.git || true`,
      OZ_AGENT_COMMAND: 'echo done',
    });
    expect(result.code).toBe(0);
    const said = everything(result, runId);
    expect(said).toContain(`oz-sidecar: setup: git ls-remote ${git.origin.replace('http://', 'http://***@')}/missing/x.git || true`);
    // (git 2.39 leaves the user-info out of this one by itself; the entrypoint's masking covers any that does not)
    expect(said).toMatch(/fatal: repository 'http:\/\/(\*\*\*@)?127\.0\.0\.1:\d+\/missing\/x\.git\/' not found/);
    expect(said).not.toContain('carols-password-99');
  }, 60_000);

  it('gives the GitHub token to github.com, $GH_HOST and the listed hosts only, over https unless a host is listed with http://', () => {
    const ask = (host: string, protocol = 'https', env = '') =>
      `printf 'protocol=${protocol}\\nhost=${host}\\npath=a/b.git\\n\\n' | env ${env} /agent/git-credential.sh get | tr '\\n' ' '; echo "<- ${protocol}://${host}"`;
    const script = [
      'export GH_TOKEN=gh-token-value',
      ask('github.com'),
      ask('github.com', 'http'),
      ask('evil.example'),
      ask('github.com.evil.example'),
      ask('ghe.corp', 'https', 'GH_HOST=ghe.corp'),
      ask('git.corp', 'https', "OZ_GIT_CREDENTIAL_HOSTS='http://10.0.0.5:8080, git.corp'"),
      ask('10.0.0.5:8080', 'http', "OZ_GIT_CREDENTIAL_HOSTS='http://10.0.0.5:8080, git.corp'"),
      ask('10.0.0.5:8080', 'https', "OZ_GIT_CREDENTIAL_HOSTS='http://10.0.0.5:8080, git.corp'"),
      ask('github.com', 'https', 'GH_TOKEN= GITHUB_TOKEN=fallback-token'),
      ask('github.com', 'https', 'GH_TOKEN='),
      "printf 'protocol=https\\nhost=github.com\\n\\n' | /agent/git-credential.sh store; echo \"<- store\"",
    ].join('\n');
    const answers = execFileSync('docker', ['run', '--rm', '--network', 'none', '-v', `${sidecar}:/agent:ro`, '--entrypoint', '/agent/bin/sh', BARE_IMAGE, '-c', `export PATH=/agent/bin; ${script}`], { encoding: 'utf8' });
    expect(answers.trim().split('\n')).toEqual([
      'username=x-access-token password=gh-token-value <- https://github.com',
      '<- http://github.com',
      '<- https://evil.example',
      '<- https://github.com.evil.example',
      'username=x-access-token password=gh-token-value <- https://ghe.corp',
      'username=x-access-token password=gh-token-value <- https://git.corp',
      'username=x-access-token password=gh-token-value <- http://10.0.0.5:8080',
      '<- https://10.0.0.5:8080',
      'username=x-access-token password=fallback-token <- https://github.com',
      '<- https://github.com',
      '<- store',
    ]);
  });
});

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
