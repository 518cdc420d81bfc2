import { sleep } from '@oz/server-kit';
import { createTestDatabase, inState, waitForRun, type ServerProcess, type TestDatabase } from '@oz/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { controlPlaneSettings, createEnvironment, startControlPlane, tenantToken, type ControlPlane } from './support/control-plane';
import { assertDockerReady, TASK_IMAGE, taskContainersOf } from './support/images';
import { startWorker, stopWorker } from './support/workers';

/**
 * What confines a task container, on a real Docker engine: its time limit, the images a worker
 * allows, its log (capped on disk by Docker, rate-limited on its way to the control plane, held back
 * rather than buffered), and the network the worker makes for tasks (no cloud metadata, no host).
 */
describe('task container limits', () => {
  let database: TestDatabase;
  let cp: ControlPlane;
  const workers: ServerProcess[] = [];
  const token = tenantToken('limits');

  beforeAll(async () => {
    assertDockerReady();
    database = await createTestDatabase('oz_worker_limits');
    cp = await startControlPlane(controlPlaneSettings(database));
  }, 120_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => stopWorker(worker)));
  });

  afterAll(async () => {
    await cp?.server.stop();
    await database?.drop();
  });

  function worker(name: string, env: Record<string, string> = {}): ServerProcess {
    // An id of this test run's own: a worker adopts the containers of its id it finds on the engine.
    const started = startWorker(cp.origin, `${name}-${randomBytes(3).toString('hex')}`, { env });
    workers.push(started);
    return started;
  }

  async function run(environment: Record<string, unknown>, prompt: string): Promise<string> {
    const environmentId = await createEnvironment(cp, token, { name: `env-${randomBytes(4).toString('hex')}`, ...environment });
    return (await cp.sdk(token).agent.run({ prompt, config: { environment_id: environmentId } })).run_id;
  }

  async function containerOf(runId: string): Promise<string> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      const [id] = taskContainersOf(runId);
      if (id) return id;
    }
    throw new Error(`no container for run ${runId}`);
  }

  it('stops a task past its environment’s time limit and fails its run with task_timeout; the container is removed', async () => {
    worker('limits-timeout');
    const runId = await run({ task_timeout_seconds: 2, env_vars: { OZ_AGENT_COMMAND: 'echo started; sleep 120' } }, 'too slow');
    const ended = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
    expect(ended.state).toBe('FAILED');
    expect(ended.status_message?.message).toMatch(/^The task exceeded its maximum allowed execution time and was terminated\. \(task_timeout(, exit code 137)?\)$/);
    expect(taskContainersOf(runId)).toEqual([]);
  }, 90_000);

  it('refuses a task in an image outside OZ_WORKER_ALLOWED_IMAGES: the run fails saying why, and no container is made', async () => {
    worker('limits-allow-list', { OZ_WORKER_ALLOWED_IMAGES: 'ghcr.io/acme/*,node:22*' });
    const runId = await run({ env_vars: { OZ_AGENT_COMMAND: 'echo should not run' } }, 'wrong image');
    const ended = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 60_000);
    expect(ended.state).toBe('FAILED');
    expect(ended.status_message?.message).toBe(`Image ${TASK_IMAGE} is not allowed on this worker (OZ_WORKER_ALLOWED_IMAGES: ghcr.io/acme/*, node:22*) (invalid_image)`);
    expect(taskContainersOf(runId)).toEqual([]);
  }, 90_000);

  it('caps the log Docker keeps, rate-limits what reaches the control plane, and stays small in memory through a flood', async () => {
    const flooding = worker('limits-flood', { OZ_TASK_LOG_LINES_PER_SECOND: '50', OZ_TASK_LOG_MAX_SIZE: '5m', OZ_TASK_LOG_MAX_FILES: '2' });
    const runId = await run({ env_vars: { OZ_AGENT_COMMAND: 'yes "a line of a log flood" | head -n 300000; sleep 1; echo flood over' } }, 'flood');
    const container = await containerOf(runId);
    const logConfig = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .HostConfig.LogConfig}}', container], { encoding: 'utf8' }));
    expect(logConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '2' } });

    const ended = await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED', 'CANCELLED'), 90_000);
    expect(ended.state).toBe('SUCCEEDED');
    const logs = (await (await cp.request(`/api/v1/agent/runs/${runId}/logs?limit=1000`, { token })).json()) as { lines: { line: string }[] };
    const lines = logs.lines.map((l) => l.line);
    expect(lines.length).toBeLessThan(1_000);
    expect(lines.some((line) => /^oz-worker: \d+ log lines dropped \(more than 50 lines\/s\)$/.test(line))).toBe(true);
    // Nothing of the flood piled up in the worker or the control plane (their peak resident memory).
    expect(peakMemoryMiB(flooding.child.pid)).toBeLessThan(300);
    expect(peakMemoryMiB(cp.server.child.pid)).toBeLessThan(400);
  }, 120_000);

  it('puts tasks on a bridge it makes, with no traffic between tasks and firewall rules against the metadata address and the host (but the ports allowed)', async () => {
    const network = `oz-tasks-e2e-${randomBytes(3).toString('hex')}`;
    try {
      worker('limits-network', { OZ_TASK_NETWORK: network, OZ_TASK_NETWORK_HOST_PORTS: '8080' });
      const runId = await run({ env_vars: { OZ_AGENT_COMMAND: 'echo on the task network' } }, 'network');
      const container = await containerOf(runId);
      expect(execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', container], { encoding: 'utf8' }).trim()).toBe(network);
      expect((await waitForRun(cp.sdk(token), runId, inState('SUCCEEDED', 'FAILED'), 60_000)).state).toBe('SUCCEEDED');

      const inspected = JSON.parse(execFileSync('docker', ['network', 'inspect', network], { encoding: 'utf8' }))[0];
      expect(inspected).toMatchObject({
        Driver: 'bridge',
        Labels: { 'oz.managed-by': 'oz-worker' },
        Options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': expect.stringMatching(/^oz-[0-9a-f]{10}$/) },
      });
      const bridge = inspected.Options['com.docker.network.bridge.name'];
      expect(iptables('DOCKER-USER')).toContain(`-A DOCKER-USER -d 169.254.0.0/16 -i ${bridge} -m comment --comment "oz-tasks: no cloud metadata" -j DROP`);
      const input = iptables('INPUT');
      const drop = input.indexOf(`-A INPUT -i ${bridge} -m comment --comment "oz-tasks: no host services" -j DROP`);
      const allowed = input.indexOf(`-A INPUT -i ${bridge} -p tcp -m tcp --dport 8080 -m comment --comment "oz-tasks: host port 8080" -j ACCEPT`);
      expect(drop).toBeGreaterThanOrEqual(0);
      expect(allowed).toBeGreaterThanOrEqual(0);
      expect(allowed).toBeLessThan(drop); // the exception comes first
    } finally {
      await Promise.all(workers.splice(0).map((w) => stopWorker(w)));
      removeTaskNetwork(network);
    }
  }, 120_000);
});

/** The peak resident memory of a process (VmHWM), in MiB. */
function peakMemoryMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]) / 1024;
}

function iptables(chain: string): string[] {
  return execFileSync('iptables', ['-w', '-S', chain], { encoding: 'utf8' }).split('\n');
}

/** The network and the rules the worker added for it. */
function removeTaskNetwork(network: string): void {
  let bridge: string | undefined;
  try {
    bridge = JSON.parse(execFileSync('docker', ['network', 'inspect', network], { encoding: 'utf8' }))[0]?.Options?.['com.docker.network.bridge.name'];
    execFileSync('docker', ['network', 'rm', network], { stdio: 'pipe' });
  } catch {
    // not there
  }
  if (!bridge) return;
  for (const chain of ['DOCKER-USER', 'INPUT']) {
    for (const rule of iptables(chain).filter((line) => line.includes(`-i ${bridge} `))) {
      execFileSync('sh', ['-c', `iptables -w ${rule.replace(/^-A /, '-D ')}`], { stdio: 'pipe' });
    }
  }
}
