import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OzAPI from 'oz-agent-sdk';
import { repoPath, run, runOk } from './lib/commands';
import { COMPOSE_FILE, freshEnvFile } from './lib/compose';
import { metricValue, promtoolCheckMetrics } from '@oz/testing';

/**
 * The stack of docker/compose.yaml, built from this checkout and started for real: every image
 * from the local base (docker/build-images.sh), every healthcheck green, one provider run and one
 * worker run completing through the official SDK, then everything removed (`down -v`). The
 * provider is a fake OpenAI-compatible server in a container of the same project.
 */
const PROJECT = `oz-smoke-${process.pid}`;
const TASK_IMAGE = `oz-smoke-task:${process.pid}`;
const NODE_IMAGE = process.env['NODE_IMAGE'] ?? 'oz-node-base:24';
const BUILD_TIMEOUT_MS = 20 * 60_000;
const HEALTHY_TIMEOUT_MS = 4 * 60_000;

const timings: Record<string, number> = {};
const timed = async <T>(phase: string, work: () => T | Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[phase] = (Date.now() - started) / 1000;
  }
};

let workDir: string;
let env: ReturnType<typeof freshEnvFile>;
let composeArgs: string[];
let apiPort: number;
let workspacePort: number;
let upStarted = false;

const compose = (...args: string[]) => run('docker-compose', [...composeArgs, ...args]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ContainerState {
  service: string;
  status: string;
  health?: string;
  exitCode: number;
}

function containerStates(): ContainerState[] {
  const ids = compose('ps', '-q').stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const format = '{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}';
  return runOk('docker', ['inspect', '--format', format, ...ids])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [service = '', status = '', health = '', exitCode = '0'] = line.split('|');
      return { service, status, health: health || undefined, exitCode: Number(exitCode) };
    });
}

const isMigration = (state: ContainerState) => state.service.startsWith('migrate-');
const isGreen = (state: ContainerState) =>
  isMigration(state) ? state.status === 'exited' && state.exitCode === 0 : state.status === 'running' && state.health === 'healthy';

async function waitUntilGreen(): Promise<ContainerState[]> {
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  let states: ContainerState[] = [];
  while (Date.now() < deadline) {
    states = containerStates();
    const failed = states.find((state) => isMigration(state) && state.status === 'exited' && state.exitCode !== 0);
    if (failed) break;
    // postgres, redis, two migrations, two control planes, workspace, worker, edge, fake-llm
    if (states.length >= 10 && states.every(isGreen)) return states;
    await sleep(2000);
  }
  throw new Error(`the stack did not turn healthy:\n${JSON.stringify(states, null, 2)}\n${compose('logs', '--no-color', '--tail', '60').stdout}`);
}

beforeAll(async () => {
  const docker = run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (docker.status !== 0) throw new Error(`the Compose smoke test needs a running Docker engine: ${docker.stderr}`);
  runOk('docker-compose', ['version']);

  await timed('build images', () => {
    // OZ_SMOKE_REUSE_IMAGES=1 tests the images already built (while iterating on the packaging).
    if (process.env['OZ_SMOKE_REUSE_IMAGES'] !== '1') {
      const build = run('sh', [repoPath('docker/build-images.sh')], { env: { ...process.env, NODE_IMAGE } });
      if (build.status !== 0) throw new Error(`docker/build-images.sh failed:\n${build.stderr.slice(-6000)}`);
      process.stderr.write(build.stdout);
    }
    runOk('sh', [repoPath('docker/test-task/build.sh'), TASK_IMAGE]);
  });

  workDir = mkdtempSync(join(tmpdir(), 'oz-smoke-'));
  env = freshEnvFile();
  apiPort = await freePort();
  workspacePort = await freePort();
  appendFileSync(
    env.path,
    [
      `OZ_API_PORT=${apiPort}`,
      `OZ_WORKSPACE_PORT=${workspacePort}`,
      `OZ_WORKER_ID=${PROJECT}`,
      // Names of this host's Docker, not of the project: unique, so a stack already running here is left alone.
      `OZ_TASK_NETWORK=${PROJECT}-tasks`,
      `OZ_TASK_BRIDGE=${`ozs${process.pid}`.slice(0, 15)}`,
      'OZ_PROVIDER_CUSTOM_BASE_URL=http://fake-llm:8000/v1',
      'OZ_PROVIDER_CUSTOM_MODEL=fake-model',
      `OZ_PROVIDER_CUSTOM_API_KEY=fake-${process.pid}-key`,
      '',
    ].join('\n'),
  );
  // The fake provider: node from the base image running a script of this project, in the stack's network.
  const override = join(workDir, 'compose.smoke.yaml');
  writeFileSync(
    override,
    JSON.stringify({
      services: {
        'fake-llm': {
          image: NODE_IMAGE,
          command: ['node', '/srv/fake-openai-provider.mjs'],
          user: '1000:1000',
          read_only: true,
          cap_drop: ['ALL'],
          security_opt: ['no-new-privileges:true'],
          environment: { FAKE_API_KEY: `fake-${process.pid}-key` },
          volumes: [`${join(__dirname, 'fixtures/fake-openai-provider.mjs')}:/srv/fake-openai-provider.mjs:ro`],
          healthcheck: {
            test: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
            interval: '2s',
            retries: 10,
          },
        },
        'control-plane': { depends_on: { 'fake-llm': { condition: 'service_healthy' } } },
      },
    }),
  );
  composeArgs = ['-p', PROJECT, '-f', COMPOSE_FILE, '-f', override, '--env-file', env.path];

  upStarted = true;
  await timed('up until healthy', async () => {
    const up = compose('up', '-d', '--no-color');
    if (up.status !== 0) throw new Error(`docker-compose up failed:\n${up.stderr}`);
    await waitUntilGreen();
  });
}, BUILD_TIMEOUT_MS + HEALTHY_TIMEOUT_MS);

afterAll(async () => {
  // Normally the last test tore the stack down; after a failure, this does.
  if (upStarted) {
    const down = compose('down', '-v', '--remove-orphans', '--timeout', '20');
    if (down.status !== 0) process.stderr.write(`docker-compose down failed:\n${down.stderr}\n`);
  }
  run('docker', ['image', 'rm', TASK_IMAGE]);
  env?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  process.stderr.write(
    `compose smoke test, seconds: ${Object.entries(timings)
      .map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)}`)
      .join(', ')}\n`,
  );
}, 120_000);

const admin = () => new OzAPI({ apiKey: env.values['OZ_ADMIN_API_KEY'], baseURL: `http://127.0.0.1:${apiPort}/api/v1`, maxRetries: 2 });

async function finished(oz: OzAPI, runId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await oz.agent.runs.retrieve(runId);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(current.state)) return current;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${current.state} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

describe('docker/compose.yaml, started', () => {
  it('turns every healthcheck green: two control-plane replicas, workspace, worker, edge, datastores; each schema migrated once', () => {
    const states = containerStates();
    expect(states.filter((state) => !isGreen(state))).toEqual([]);
    const count = (service: string) => states.filter((state) => state.service === service).length;
    expect({
      controlPlanes: count('control-plane'),
      controlPlaneMigrations: count('migrate-control-plane'),
      workspaceMigrations: count('migrate-workspace'),
      workers: count('worker'),
    }).toEqual({ controlPlanes: 2, controlPlaneMigrations: 1, workspaceMigrations: 1, workers: 1 });
  });

  it('completes a provider run created through the official SDK', async () => {
    const oz = admin();
    const result = (await timed('provider run', async () => {
      const { run_id } = await oz.agent.run({ prompt: 'Say hello from compose', config: { model_id: 'custom' } });
      return finished(oz, run_id);
    })) as Awaited<ReturnType<typeof oz.agent.runs.retrieve>> & { output?: string; provider?: { key: string } };
    expect(result.status_message ?? null).toBeNull();
    expect(result).toMatchObject({ state: 'SUCCEEDED', output: 'echo: Say hello from compose', provider: { key: 'custom' } });
  });

  it('runs a task on the worker, in a container of this host’s engine', async () => {
    const oz = admin();
    const created = await fetch(`http://127.0.0.1:${apiPort}/api/v1/environments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.values['OZ_ADMIN_API_KEY']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'compose-smoke', docker_image: TASK_IMAGE, env_vars: { OZ_AGENT_COMMAND: 'echo "task says: $(cat)"' } }),
    });
    expect(created.status).toBe(201);
    const environmentId = ((await created.json()) as { id: string }).id;
    const result = (await timed('worker run', async () => {
      const { run_id } = await oz.agent.run({ prompt: 'hello worker', config: { environment_id: environmentId } });
      return finished(oz, run_id, 90_000);
    })) as { state: string; output?: string };
    // The task's own report (over the tasks network, at OZ_PUBLIC_URL) or the worker's: the same text,
    // the former with the output file's last newline.
    expect({ state: result.state, output: result.output?.trimEnd() }).toEqual({ state: 'SUCCEEDED', output: 'task says: hello worker' });
  });

  it('serves the workspace and its dashboard through the edge', async () => {
    const health = await fetch(`http://127.0.0.1:${workspacePort}/health`);
    expect(health.status).toBe(200);
    const page = await fetch(`http://127.0.0.1:${workspacePort}/runs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<oz-root/i);
  });

  it('lets the first account in, others only with its invite, and gives each their own control-plane tenant', async () => {
    const workspace = `http://127.0.0.1:${workspacePort}/api`;
    const signup = (body: Record<string, string>) =>
      fetch(`${workspace}/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'Correct-Horse-Battery-42', ...body }) });
    const as = (session: string, path: string, init: RequestInit = {}) =>
      fetch(`${workspace}${path}`, { ...init, headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

    const first = await signup({ name: 'Ada', email: 'ada@example.com' });
    expect(first.status).toBe(201);
    const admin = first.headers.get('x-session-token') as string;
    expect((await signup({ name: 'Eve', email: 'eve@example.com' })).status).toBe(403);
    const invite = (await (await as(admin, '/admin/invites', { method: 'POST', body: '{}' })).json()) as { token: string };
    const second = await signup({ name: 'Bob', email: 'bob@example.com', invite_token: invite.token });
    expect(second.status).toBe(201);
    const bob = second.headers.get('x-session-token') as string;

    // Bob's runs go to a tenant of his own, which the workspace registered with the admin key (registered tenancy).
    const created = await as(bob, '/cp/runs', { method: 'POST', body: JSON.stringify({ prompt: 'from the dashboard', config: { model_id: 'custom' } }) });
    expect(created.status).toBe(201);
    const { run_id } = (await created.json()) as { run_id: string };
    const bobs = (await (await as(bob, '/cp/runs')).json()) as { runs: { run_id: string }[] };
    expect(bobs.runs.map((run) => run.run_id)).toEqual([run_id]);
    const keys = (await (await fetch(`http://127.0.0.1:${apiPort}/api/v1/admin/tenant-keys`, { headers: { authorization: `Bearer ${env.values['OZ_ADMIN_API_KEY']}` } })).json()) as { tenant_keys: { name: string }[] };
    expect(keys.tenant_keys.map((key) => key.name)).toContain('workspace: bob@example.com');
  });

  it('serves /metrics on every app behind OZ_METRICS_TOKEN, in valid exposition format, counting what happened', async () => {
    const token = env.values['OZ_METRICS_TOKEN'] as string;
    for (const port of [apiPort, workspacePort]) {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      expect(promtoolCheckMetrics(text).problems).toEqual([]);
    }
    const api = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    // Database-wide, so whichever replica the edge picked: the provider run and the worker run above.
    expect(metricValue(api, 'oz_runs', { state: 'SUCCEEDED' })).toBeGreaterThanOrEqual(2);
    // The worker's port is not published: read it from inside its container.
    const script = `fetch('http://127.0.0.1:9464/metrics', { headers: { authorization: 'Bearer ${token}' } }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const worker = compose('exec', '-T', 'worker', 'node', '-e', script);
    expect(worker.status).toBe(0);
    expect(promtoolCheckMetrics(worker.stdout).problems).toEqual([]);
    expect(metricValue(worker.stdout, 'oz_worker_connected')).toBe(1);
    expect(metricValue(worker.stdout, 'oz_worker_tasks_total', { outcome: 'succeeded' })).toBe(1);
  });

  it('tears down completely with down -v: no container, volume or network of the project is left', async () => {
    await timed('down -v', () => {
      const down = compose('down', '-v', '--remove-orphans', '--timeout', '20');
      expect(down.status).toBe(0);
    });
    upStarted = false;
    const left = (kind: 'container' | 'volume' | 'network') =>
      runOk('docker', [kind, 'ls', ...(kind === 'container' ? ['-a'] : []), '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`]).trim();
    expect({ containers: left('container'), volumes: left('volume'), networks: left('network') }).toEqual({ containers: '', volumes: '', networks: '' });
  });
});
