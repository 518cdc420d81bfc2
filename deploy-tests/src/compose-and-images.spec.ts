import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath, run } from './lib/commands';
import { COMPOSE_FILE, composeConfig, composeConfigResult, freshEnvFile, parseEnvFile, type ComposeService } from './lib/compose';
import { documentedVariables } from './lib/documented-variables';

const APP_SERVICES = ['migrate-control-plane', 'migrate-workspace', 'control-plane', 'workspace', 'worker'];
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_KEY|_KEY$|^DATABASE_URL$|^REDIS_URL$)/;

describe('docker/compose.yaml', () => {
  let env: ReturnType<typeof freshEnvFile>;
  let services: Record<string, ComposeService>;
  beforeAll(() => {
    env = freshEnvFile();
    services = composeConfig(env.path).services;
  });
  afterAll(() => env.remove());
  const service = (name: string): ComposeService => {
    const found = services[name];
    if (!found) throw new Error(`no service ${name}`);
    return found;
  };

  it('is valid for docker-compose (config) with the env file docker/init-env.sh writes', () => {
    expect(Object.keys(services).sort()).toEqual(['control-plane', 'edge', 'migrate-control-plane', 'migrate-workspace', 'postgres', 'redis', 'worker', 'workspace']);
  });

  it('refuses to start without a secret, and says which one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oz-env-'));
    try {
      const partial = readFileSync(env.path, 'utf8').replace(/^OZ_WORKER_API_KEY=.*$/m, '');
      writeFileSync(join(dir, '.env'), partial);
      const result = composeConfigResult(join(dir, '.env'));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('OZ_WORKER_API_KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs two control-plane replicas behind the edge, which alone publishes ports, on 127.0.0.1', () => {
    expect(service('control-plane').deploy?.replicas).toBe(2);
    const published = Object.entries(services).filter(([, definition]) => definition.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['edge']);
    for (const port of service('edge').ports ?? []) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
      expect(hostIp).toBe('127.0.0.1');
    }
  });

  it('starts in order: database healthy, then each schema migrated by its own app, then the apps (which do not migrate)', () => {
    for (const [app, migration] of [['control-plane', 'migrate-control-plane'], ['workspace', 'migrate-workspace']] as const) {
      expect(service(migration).command).toEqual(['migrate']);
      expect(service(migration).image).toBe(service(app).image);
      // The same settings as the app it migrates for (the migrate command reads the whole config).
      expect(service(migration).environment).toEqual(service(app).environment);
      expect(service(migration).depends_on?.['postgres']?.condition).toBe('service_healthy');
      expect(service(app).depends_on?.[migration]?.condition).toBe('service_completed_successfully');
      expect(service(app).environment?.['OZ_MIGRATE_ON_START']).toBe('false');
    }
    expect(service('workspace').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(service('worker').depends_on?.['control-plane']?.condition).toBe('service_healthy');
    expect(service('edge').depends_on?.['control-plane']?.condition).toBe('service_healthy');
  });

  it('health-checks every long-running service (the app images carry their own HEALTHCHECK)', () => {
    for (const [name, definition] of Object.entries(services)) {
      if (name.startsWith('migrate-')) {
        // A one-shot job; Compose v1 writes `disable: true` as the test NONE.
        expect(definition.healthcheck?.disable === true || definition.healthcheck?.test?.[0] === 'NONE').toBe(true);
        continue;
      }
      const ownCheck = (definition.healthcheck?.test?.length ?? 0) > 0;
      const imageCheck = /^oz-(control-plane|workspace|worker|edge):/.test(definition.image) && dockerfileOf(definition.image).includes('HEALTHCHECK');
      expect({ name, healthChecked: ownCheck || imageCheck }).toEqual({ name, healthChecked: true });
    }
  });

  it('runs every service read-only, with no capabilities and no privilege escalation', () => {
    for (const [name, definition] of Object.entries(services)) {
      expect({ name, read_only: definition.read_only, cap_drop: definition.cap_drop, security_opt: definition.security_opt }).toEqual({
        name,
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
      });
    }
  });

  it('gives the worker the Docker socket through its group, not root, and only the worker', () => {
    const mountsSocket = (definition: ComposeService) => (definition.volumes ?? []).some((volume) => mount(volume).source.includes('docker.sock'));
    expect(Object.entries(services).filter(([, definition]) => mountsSocket(definition)).map(([name]) => name)).toEqual(['worker']);
    expect(service('worker').group_add?.map(String)).toEqual([env.values['DOCKER_GID']]);
  });

  it('connects the worker with a token bound to its id, never the admin key or a shared worker token', () => {
    const worker = service('worker').environment ?? {};
    expect(worker['OZ_WORKER_API_KEY']).toBe(env.values['OZ_WORKER_API_KEY']);
    expect(worker['OZ_WORKER_API_KEY']).not.toBe(env.values['OZ_ADMIN_API_KEY']);
    expect(service('control-plane').environment?.['OZ_WORKER_TOKENS']).toBe(`${worker['OZ_WORKER_ID']}=${worker['OZ_WORKER_API_KEY']}`);
    expect(Object.entries(services).filter(([, definition]) => definition.environment?.['OZ_WORKER_TOKEN'] !== undefined).map(([name]) => name)).toEqual([]);
    // ws:// by service name, inside the Compose network (the worker refuses it elsewhere unless told).
    expect(worker).toMatchObject({ OZ_CONTROL_PLANE_URL: 'http://control-plane:8080', OZ_ALLOW_INSECURE_WS: 'true' });
  });

  it('gives the workspace the admin key (it registers each user’s tenant) and a secrets key of its own', () => {
    const workspace = service('workspace').environment ?? {};
    expect(workspace['OZ_API_KEY']).toBe(env.values['OZ_ADMIN_API_KEY']);
    expect(workspace['OZ_SECRETS_KEY']).toBe(env.values['OZ_WORKSPACE_SECRETS_KEY']);
    expect(workspace['OZ_SECRETS_KEY']).not.toBe(service('control-plane').environment?.['OZ_SECRETS_KEY']);
    // Behind the edge, one hop: X-Forwarded-For is believed for that hop only.
    expect(workspace['OZ_TRUST_PROXY']).toBe('1');
  });

  it('puts task containers on a network shared with the control plane alone, which they reach at OZ_PUBLIC_URL', () => {
    const config = composeConfig(env.path) as unknown as { networks: Record<string, { name?: string }>; services: Record<string, { networks?: string[] | Record<string, unknown> }> };
    const taskNetwork = service('worker').environment?.['OZ_TASK_NETWORK'];
    const [key] = Object.entries(config.networks).find(([, network]) => network.name === taskNetwork) ?? [];
    expect(key).toBeDefined();
    const on = (name: string) => {
      const networks = config.services[name]?.networks ?? ['default'];
      return Array.isArray(networks) ? networks : Object.keys(networks);
    };
    expect(Object.keys(services).filter((name) => on(name).includes(key as string))).toEqual(['control-plane']);
    expect(service('control-plane').environment?.['OZ_PUBLIC_URL']).toBe('http://control-plane:8080');
  });

  it('protects /metrics of every app with the token from the env file', () => {
    for (const name of ['control-plane', 'workspace', 'worker']) {
      expect({ name, token: service(name).environment?.['OZ_METRICS_TOKEN'] }).toEqual({ name, token: env.values['OZ_METRICS_TOKEN'] });
    }
  });

  it('keeps data in named volumes', () => {
    expect(service('postgres').volumes?.map(mount)).toEqual([{ source: 'postgres-data', target: '/var/lib/postgresql/data' }]);
    expect(service('redis').volumes?.map(mount)).toEqual([{ source: 'redis-data', target: '/data' }]);
  });

  it('takes every secret from the env file, never from the compose file itself', () => {
    const fromEnvFile = Object.values(env.values).filter((value) => value.length >= 16);
    for (const [name, definition] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(definition.environment ?? {})) {
        if (!SECRET_NAME.test(variable) || !value) continue;
        expect({ name, variable, fromEnvFile: fromEnvFile.some((secret) => value.includes(secret)) }).toEqual({ name, variable, fromEnvFile: true });
      }
    }
  });

  it('sets only variables the apps read', () => {
    const known = documentedVariables();
    const unknown = APP_SERVICES.flatMap((name) => Object.keys(service(name).environment ?? {}).filter((variable) => !known.has(variable)).map((variable) => `${name}: ${variable}`));
    expect(unknown).toEqual([]);
  });
});

describe('docker/.env.example', () => {
  const example = () => parseEnvFile(readFileSync(repoPath('docker/.env.example'), 'utf8'));

  it('lists every variable compose.yaml requires', () => {
    const required = [...readFileSync(COMPOSE_FILE, 'utf8').matchAll(/\$\{([A-Z_]+):\?/g)].map((match) => match[1] as string);
    expect(required.length).toBeGreaterThan(5);
    expect([...new Set(required)].filter((name) => !(name in example()))).toEqual([]);
  });

  it('holds placeholders only', () => {
    for (const [name, value] of Object.entries(example())) {
      if (SECRET_NAME.test(name)) expect(`${name}=${value}`).toMatch(/=CHANGE-ME/);
    }
  });
});

describe('docker/init-env.sh', () => {
  it('writes secrets the apps accept, readable by the owner only', () => {
    const env = freshEnvFile();
    try {
      expect(env.values['OZ_SECRETS_KEY']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(env.values['OZ_WORKSPACE_SECRETS_KEY']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      for (const name of ['OZ_ADMIN_API_KEY', 'OZ_WORKER_API_KEY', 'AGENT_API_KEY', 'OZ_METRICS_TOKEN', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD']) {
        expect(env.values[name]).toMatch(/^[A-Za-z0-9_]{16,}$/);
      }
      expect(new Set(Object.values(env.values)).size).toBe(Object.keys(env.values).length);
      expect(run('stat', ['-c', '%a', env.path]).stdout.trim()).toBe('600');
    } finally {
      env.remove();
    }
  });

  it('never overwrites an existing file', () => {
    const env = freshEnvFile();
    try {
      const before = readFileSync(env.path, 'utf8');
      const again = run('sh', [repoPath('docker/init-env.sh'), env.path]);
      expect(again.status).not.toBe(0);
      expect(readFileSync(env.path, 'utf8')).toBe(before);
    } finally {
      env.remove();
    }
  });
});

describe('docker/prometheus.example.yaml', () => {
  const config = () =>
    load(readFileSync(repoPath('docker/prometheus.example.yaml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; authorization?: { credentials_file?: string }; dns_sd_configs: { names: string[]; port: number }[] }[];
    };

  it('is a valid Prometheus configuration with the alert rules (promtool check config)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oz-prometheus-'));
    try {
      copyFileSync(repoPath('docker/prometheus.example.yaml'), join(dir, 'prometheus.yaml'));
      copyFileSync(repoPath('k8s/monitoring/alerts.yaml'), join(dir, 'alerts.yaml'));
      writeFileSync(join(dir, 'oz-metrics-token'), 'a-metrics-token-0123456789\n');
      expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yaml')])).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrapes every container of each app on its own port, with the token, as the jobs the alerts and the dashboard name', () => {
    const env = freshEnvFile();
    try {
      const services = composeConfig(env.path).services;
      const scrapes = Object.fromEntries(config().scrape_configs.map((scrape) => [scrape.job_name, scrape]));
      const targets = Object.fromEntries(Object.entries(scrapes).map(([job, scrape]) => [job, scrape.dns_sd_configs.flatMap((sd) => sd.names.map((name) => `${name}:${sd.port}`))]));
      expect(targets).toEqual({ 'oz-control-plane': ['control-plane:8080'], 'oz-workspace': ['workspace:3000'], 'oz-worker': ['worker:9464'] });
      for (const [job, scrape] of Object.entries(scrapes)) expect({ job, token: scrape.authorization?.credentials_file }).toEqual({ job, token: 'oz-metrics-token' });
      // The worker's metrics port is its default (the compose file does not move it); the others serve on their HTTP port.
      expect(services['worker']?.environment?.['OZ_METRICS_PORT']).toBeUndefined();
      expect(alertJobs()).toEqual(expect.arrayContaining(Object.keys(scrapes)));
    } finally {
      env.remove();
    }
  });
});

/** The job names OzTargetDown watches: oz-(control-plane|workspace|worker). */
function alertJobs(): string[] {
  const text = readFileSync(repoPath('k8s/monitoring/alerts.yaml'), 'utf8');
  const match = /up\{job=~"oz-\(([^)]+)\)"\}/.exec(text);
  return (match?.[1] ?? '').split('|').map((name) => `oz-${name}`);
}

/** A volume as Compose v1 (`source:target:mode`) or v2 (long syntax) prints it. */
function mount(volume: string | { source: string; target: string }): { source: string; target: string } {
  if (typeof volume !== 'string') return { source: volume.source, target: volume.target };
  const [source = '', target = ''] = volume.split(':');
  return { source, target };
}

/** The Dockerfile that builds a local image name (oz-<name>:tag). */
function dockerfileOf(image: string): string {
  const name = image.replace(/^oz-/, '').replace(/:.*$/, '');
  return readFileSync(repoPath('docker', name, 'Dockerfile'), 'utf8');
}

describe('the Dockerfiles', () => {
  const instructions = (text: string) =>
    text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));

  it.each(['control-plane', 'workspace', 'worker'])('docker/%s: multi-stage on the NODE_IMAGE argument, non-root, health-checked', (name) => {
    const lines = instructions(readFileSync(repoPath('docker', name, 'Dockerfile'), 'utf8'));
    expect(lines[0]).toMatch(/^ARG NODE_IMAGE=\S+/);
    expect(lines[0]).not.toMatch(/:latest$/);
    const froms = lines.filter((line) => line.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    const users = lines.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toBe('USER 1000:1000');
    expect(lines.some((line) => line.startsWith('HEALTHCHECK '))).toBe(true);
    expect(lines.some((line) => line.startsWith('COPY --from='))).toBe(true);
  });

  it.each(['postgres', 'redis', 'edge'])('docker/%s: on the local Debian base, non-root, health-checked', (name) => {
    const lines = instructions(readFileSync(repoPath('docker', name, 'Dockerfile'), 'utf8'));
    expect(lines[0]).toMatch(/^ARG DEBIAN_IMAGE=/);
    expect(lines.filter((line) => line.startsWith('USER ')).at(-1)).toMatch(/^USER (?!root|0)/);
    expect(lines.some((line) => line.startsWith('HEALTHCHECK '))).toBe(true);
  });

  it('the shell scripts parse (sh -n)', () => {
    for (const script of ['docker/build-images.sh', 'docker/init-env.sh', 'docker/base/build.sh', 'docker/postgres/entrypoint.sh', 'docker/redis/entrypoint.sh']) {
      expect({ script, ...run('sh', ['-n', repoPath(script)]) }).toMatchObject({ script, status: 0 });
    }
  });
});
