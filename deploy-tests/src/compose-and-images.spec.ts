import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath, run } from './lib/commands';
import { COMPOSE_FILE, composeConfig, composeConfigResult, freshEnvFile, parseEnvFile, type ComposeService } from './lib/compose';
import { documentedVariables } from './lib/documented-variables';

const APP_SERVICES = ['migrate', 'control-plane', 'workspace', 'worker'];
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
    expect(Object.keys(services).sort()).toEqual(['control-plane', 'edge', 'migrate', 'postgres', 'redis', 'worker', 'workspace']);
  });

  it('refuses to start without a secret, and says which one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oz-env-'));
    try {
      const partial = readFileSync(env.path, 'utf8').replace(/^OZ_WORKER_TOKEN=.*$/m, '');
      writeFileSync(join(dir, '.env'), partial);
      const result = composeConfigResult(join(dir, '.env'));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('OZ_WORKER_TOKEN');
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

  it('starts in order: database healthy, then migrations done, then the apps', () => {
    expect(service('migrate').command).toEqual(['migrate']);
    expect(service('migrate').depends_on?.['postgres']?.condition).toBe('service_healthy');
    expect(service('control-plane').depends_on?.['migrate']?.condition).toBe('service_completed_successfully');
    expect(service('control-plane').environment?.['OZ_MIGRATE_ON_START']).toBe('false');
    expect(service('workspace').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(service('worker').depends_on?.['control-plane']?.condition).toBe('service_healthy');
    expect(service('edge').depends_on?.['control-plane']?.condition).toBe('service_healthy');
  });

  it('health-checks every long-running service (the app images carry their own HEALTHCHECK)', () => {
    for (const [name, definition] of Object.entries(services)) {
      if (name === 'migrate') {
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
    expect(service('worker').environment?.['OZ_WORKER_API_KEY']).toBe(env.values['OZ_WORKER_TOKEN']);
    expect(service('worker').environment?.['OZ_WORKER_API_KEY']).not.toBe(env.values['OZ_ADMIN_API_KEY']);
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
      for (const name of ['OZ_ADMIN_API_KEY', 'OZ_WORKER_TOKEN', 'OZ_WORKSPACE_API_KEY', 'AGENT_API_KEY', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD']) {
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
