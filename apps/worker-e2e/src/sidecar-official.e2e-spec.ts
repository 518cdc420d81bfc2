import { execFileSync } from 'node:child_process';
import { assertSidecarTestsReady, BARE_IMAGE, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';
import { startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane';
import { SIDECAR_IMAGE } from './support/images';

/**
 * The sidecar as Warp's official oz-agent-worker uses it: the image's filesystem exported and
 * untarred by the image itself into a volume (no help from our worker), mounted at /agent in a task
 * container that runs the official command line. The official worker collects no output and no log,
 * so the entrypoint reports them to the control plane itself (here a fake on 127.0.0.1).
 */
describe('the sidecar, materialised the official way', () => {
  let sidecar: string;
  const runs: TaskRun[] = [];
  const task = async (options: Omit<Parameters<typeof runTask>[0], 'sidecar'>) => {
    const result = await runTask({ sidecar, ...options });
    runs.push(result);
    return result;
  };
  const inSidecar = (command: string) =>
    execFileSync('docker', ['run', '--rm', '--network', 'none', '-v', `${sidecar}:/agent:ro`, '--entrypoint', '/agent/bin/sh', BARE_IMAGE, '-c', command], { encoding: 'utf8' });

  beforeAll(async () => {
    assertSidecarTestsReady();
    sidecar = await materialiseSidecarOfficially();
  }, 60_000);

  afterAll(() => {
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(runs);
  });

  it('lands the image root at /agent: the entrypoint and its helpers, a static busybox with sh and tar, root in /etc/passwd', () => {
    const listing = inSidecar(
      'cd /agent && ls entrypoint.sh git-credential.sh oz-room bin/busybox bin/sh bin/tar bin/wget bin/timeout bin/awk && cat etc/passwd && test -x entrypoint.sh && test -x git-credential.sh && test -x oz-room && echo ok',
    );
    expect(listing).toContain('root:x:0:0:');
    expect(listing.trim().endsWith('ok')).toBe(true);
    // It runs in an image with no libraries at all: statically linked.
    expect(inSidecar('/agent/bin/busybox echo static')).toBe('static\n');
    // The entrypoint's shebang is the sidecar's own shell, so it needs nothing from the task image.
    expect(inSidecar('head -1 /agent/entrypoint.sh; head -1 /agent/git-credential.sh; head -1 /agent/oz-room')).toBe('#!/agent/bin/sh\n#!/agent/bin/sh\n#!/agent/bin/sh\n');
    // The image says what it is for the official worker: sh and tar run as root.
    expect(execFileSync('docker', ['run', '--rm', '--network', 'none', '--user', 'root', '--entrypoint', '/bin/sh', SIDECAR_IMAGE, '-c', 'id -u; readlink /bin/sh; readlink /bin/tar'], { encoding: 'utf8' })).toBe('0\nbusybox\nbusybox\n');
  });

  it('runs a task with the official command line: setup, variables and the prompt arrive, the output file is written', async () => {
    const result = await task({
      env: {
        OZ_TASK_PROMPT: 'Update the README',
        OZ_ENV_VARS: ['API_TOKEN=tok-1234567890', 'REGION=eu', 'OZ_AGENT_COMMAND=echo "prompt: $(cat)"; echo "region: $REGION"; echo "setup: $(cat /workspace/setup-done)"; echo "on stderr" >&2'].join('\n'),
        OZ_ENV_REPOS: '',
        OZ_ENV_SETUP_COMMANDS: 'echo ready > /workspace/setup-done',
      },
    });
    expect(result.code).toBe(0);
    expect(result.output).toBe('prompt: Update the README\nregion: eu\nsetup: ready\n');
    expect(result.log).toContain('oz-sidecar: setup: echo ready > /workspace/setup-done');
    expect(result.log).toContain('on stderr'); // in the log, not in the output
    expect(result.log).toContain('oz-sidecar: running the custom agent');
  });

  it('runs in a task image without any shell or tool of its own', async () => {
    const result = await task({ image: BARE_IMAGE, env: { OZ_TASK_PROMPT: 'bare', OZ_AGENT_COMMAND: 'echo "no shell here, but: $(cat)"' } });
    expect(result).toMatchObject({ code: 0, output: 'no shell here, but: bare\n' });
  });

  describe('reporting by itself (the official worker reports nothing)', () => {
    const token = 'task-token-0123456789abcdef0123456789';
    let controlPlane: FakeControlPlane;
    beforeAll(async () => (controlPlane = await startFakeControlPlane({ token })));
    afterAll(() => controlPlane?.close());

    const reporting = (runId: string, extra: Record<string, string>) => ({
      network: 'host' as const,
      taskId: runId,
      env: { OZ_TASK_TOKEN: token, OZ_API_BASE_URL: `${controlPlane.apiBaseUrl}/`, OZ_TASK_PROMPT: 'report it', OZ_RUN_ID: runId, ...extra },
    });

    it('sends its log while the agent runs, then the output, then the exit code, with the run’s token', async () => {
      const runId = 'run-reports-1';
      const agent = 'echo "early line"; sleep 5; echo "prompt was: $(cat)"; echo "https://github.com/acme/app/pull/9"';
      const result = await task(reporting(runId, { OZ_AGENT_COMMAND: agent }));
      expect(result.code).toBe(0);
      const finished = await controlPlane.finished(runId);
      const mine = controlPlane.reports.filter((r) => r.runId === runId);
      expect(mine.every((r) => r.authorization === `Bearer ${token}` && r.status === 204)).toBe(true);
      // Logs first (in batches while the agent ran), then the output, then finished, last.
      expect(mine.map((r) => r.kind).filter((kind, i, all) => kind !== all[i - 1])).toEqual(['logs', 'output', 'finished']);
      const early = mine.find((r) => r.kind === 'logs' && r.body.includes('early line'));
      expect(finished.receivedAt - (early?.receivedAt ?? Infinity)).toBeGreaterThan(2000);
      expect(mine.filter((r) => r.kind === 'logs').every((r) => r.contentType === 'text/plain; charset=utf-8' && !r.body.endsWith('\n'))).toBe(true);
      expect(controlPlane.logLines(runId)).toEqual(['oz-sidecar: running the custom agent', 'early line', 'prompt was: report it', 'https://github.com/acme/app/pull/9']);
      expect(mine.find((r) => r.kind === 'output')).toMatchObject({ contentType: 'text/plain; charset=utf-8', body: 'early line\nprompt was: report it\nhttps://github.com/acme/app/pull/9\n' });
      expect(finished).toMatchObject({ contentType: 'application/json', body: '{"exit_code": 0}' });
    }, 60_000);

    it('reports a failure’s exit code, and the output it had', async () => {
      const runId = 'run-reports-2';
      const result = await task(reporting(runId, { OZ_AGENT_COMMAND: 'echo partial; exit 3' }));
      expect(result.code).toBe(3);
      expect((await controlPlane.finished(runId)).body).toBe('{"exit_code": 3}');
      expect(controlPlane.reports.find((r) => r.runId === runId && r.kind === 'output')?.body).toBe('partial\n');
      expect(controlPlane.logLines(runId)).toContain('oz-sidecar: the agent exited with code 3');
    }, 60_000);

    it('reports a task that never reached its agent (a bad configuration) with no output', async () => {
      const runId = 'run-reports-3';
      const result = await task(reporting(runId, { OZ_HARNESS: 'cobol' }));
      expect(result.code).toBe(78);
      expect((await controlPlane.finished(runId)).body).toBe('{"exit_code": 78}');
      expect(controlPlane.reports.filter((r) => r.runId === runId).map((r) => r.kind)).toEqual(['logs', 'finished']);
      expect(controlPlane.logLines(runId)).toEqual(["oz-sidecar: unknown harness 'cobol' (expected claude, codex, gemini or custom)"]);
    }, 60_000);

    it('sends a long log whole and in order, in batches under 1 MiB', async () => {
      const runId = 'run-reports-4';
      // 6000 lines of 100 characters: about 600 KB, more than one batch.
      const agent = "awk 'BEGIN { for (i = 1; i <= 6000; i++) printf \"line %05d %s\\n\", i, sprintf(\"%89s\", \"x\") }'";
      const result = await task(reporting(runId, { OZ_AGENT_COMMAND: agent }));
      expect(result.code).toBe(0);
      await controlPlane.finished(runId);
      const batches = controlPlane.reports.filter((r) => r.runId === runId && r.kind === 'logs');
      expect(batches.length).toBeGreaterThan(1);
      expect(Math.max(...batches.map((b) => Buffer.byteLength(b.body)))).toBeLessThanOrEqual(1024 * 1024);
      const lines = controlPlane.logLines(runId).filter((line) => line.startsWith('line '));
      expect(lines).toHaveLength(6000);
      expect(lines.every((line, i) => line.startsWith(`line ${String(i + 1).padStart(5, '0')} `) && line.length === 100)).toBe(true);
    }, 60_000);

    it('goes on when the control plane refuses the log: one warning, the task succeeds, output and exit code still sent', async () => {
      const runId = 'run-reports-5';
      controlPlane.failLogs(500);
      try {
        const result = await task(reporting(runId, { OZ_AGENT_COMMAND: 'for i in 1 2 3; do echo "tick $i"; sleep 1; done' }));
        expect(result.code).toBe(0);
        expect(result.log.match(/sending log lines to the control plane failed/g)).toHaveLength(1);
        expect((await controlPlane.finished(runId)).body).toBe('{"exit_code": 0}');
        expect(controlPlane.reports.find((r) => r.runId === runId && r.kind === 'output')?.body).toBe('tick 1\ntick 2\ntick 3\n');
        expect(controlPlane.reports.filter((r) => r.runId === runId && r.kind === 'logs').length).toBeGreaterThan(0);
      } finally {
        controlPlane.failLogs(null);
      }
    }, 60_000);

    it('takes the run id from TASK_ID, else from --task-id, when OZ_RUN_ID is not set (the official Docker backend sets neither)', async () => {
      await task({ ...reporting('ignored', { OZ_AGENT_COMMAND: 'echo one', OZ_RUN_ID: '' }), taskId: 'run-from-task-id' });
      await task({ ...reporting('ignored', { OZ_AGENT_COMMAND: 'echo two', OZ_RUN_ID: '', TASK_ID: '' }), taskId: 'run-from-the-flag' });
      expect((await controlPlane.finished('run-from-task-id')).body).toBe('{"exit_code": 0}');
      expect((await controlPlane.finished('run-from-the-flag')).body).toBe('{"exit_code": 0}');
    }, 60_000);

    it('does not report without a control plane URL or token, and runs all the same', async () => {
      const runId = 'run-reports-6';
      const before = controlPlane.reports.length;
      const result = await task({ network: 'host', taskId: runId, env: { OZ_TASK_TOKEN: token, OZ_TASK_PROMPT: 'x', OZ_AGENT_COMMAND: 'echo quiet' } });
      expect(result).toMatchObject({ code: 0, output: 'quiet\n' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(controlPlane.reports.length).toBe(before);
    }, 60_000);
  });
});
