import { getMetadataStorage } from 'class-validator';
import { ConfigError, ControlPlaneEnv, loadControlPlaneConfig } from './control-plane.config';
import { describeVariable, variableDescriptions, variablesMarkdownTable } from '@oz/server-kit';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');
const minimal = { DATABASE_URL: 'postgres://oz:oz@db:5432/oz', OZ_ADMIN_API_KEY: ADMIN_KEY };

/** The ConfigError message for `env`; fails the test if the config loads. */
function problemsWith(env: Record<string, string | undefined>): string {
  try {
    loadControlPlaneConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadControlPlaneConfig', () => {
  it('names DATABASE_URL when it is missing or empty', () => {
    expect(problemsWith({ OZ_ADMIN_API_KEY: ADMIN_KEY })).toMatch(/DATABASE_URL is required/);
    expect(problemsWith({ ...minimal, DATABASE_URL: '' })).toMatch(/DATABASE_URL is required/);
  });

  it('refuses a DATABASE_URL that is not postgres://, without echoing it', () => {
    const message = problemsWith({ ...minimal, DATABASE_URL: 'mysql://root:hunter2@db/oz' });
    expect(message).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(message).not.toContain('hunter2');
  });

  it('accepts postgresql:// as well as postgres://', () => {
    expect(loadControlPlaneConfig({ ...minimal, DATABASE_URL: 'postgresql://db/oz' }).databaseUrl).toBe('postgresql://db/oz');
  });

  describe('the admin key', () => {
    it('is required unless OZ_ALLOW_NO_ADMIN_KEY=true', () => {
      expect(problemsWith({ DATABASE_URL: minimal.DATABASE_URL })).toMatch(/OZ_ADMIN_API_KEY is required/);
    });

    it('may be left out with OZ_ALLOW_NO_ADMIN_KEY=true, which then requires OZ_SECRETS_KEY', () => {
      const env = { DATABASE_URL: minimal.DATABASE_URL, OZ_ALLOW_NO_ADMIN_KEY: 'true' };
      const message = problemsWith(env);
      expect(message).toMatch(/OZ_SECRETS_KEY is required/);
      expect(message).not.toMatch(/OZ_ADMIN_API_KEY is required/);

      const config = loadControlPlaneConfig({ ...env, OZ_SECRETS_KEY: SECRETS_KEY });
      expect(config.adminApiKey).toBeNull();
      expect(config.secretsKey).toEqual(Buffer.alloc(32, 7));
    });

    it('must be at least 16 characters, and the message does not repeat it', () => {
      const message = problemsWith({ ...minimal, OZ_ADMIN_API_KEY: 'short-secret' });
      expect(message).toMatch(/OZ_ADMIN_API_KEY must be at least 16 characters/);
      expect(message).not.toContain('short-secret');
    });

    it('derives a stable 32-byte secrets key from the admin key when OZ_SECRETS_KEY is unset', () => {
      const first = loadControlPlaneConfig(minimal).secretsKey;
      expect(first).toHaveLength(32);
      expect(loadControlPlaneConfig(minimal).secretsKey).toEqual(first);
      expect(loadControlPlaneConfig({ ...minimal, OZ_ADMIN_API_KEY: `${ADMIN_KEY}x` }).secretsKey).not.toEqual(first);
      expect(first.toString('latin1')).not.toContain(ADMIN_KEY);
    });

    it('uses OZ_SECRETS_KEY when set, and refuses one that is not 32 bytes of base64', () => {
      expect(loadControlPlaneConfig({ ...minimal, OZ_SECRETS_KEY: SECRETS_KEY }).secretsKey).toEqual(Buffer.alloc(32, 7));
      const message = problemsWith({ ...minimal, OZ_SECRETS_KEY: Buffer.alloc(16).toString('base64') });
      expect(message).toMatch(/OZ_SECRETS_KEY must be 32 bytes/);
    });
  });

  it('applies the documented defaults', () => {
    expect(loadControlPlaneConfig(minimal)).toEqual({
      databaseUrl: minimal.DATABASE_URL,
      databasePoolSize: 10,
      migrateOnStart: true,
      port: 8080,
      host: '0.0.0.0',
      adminApiKey: ADMIN_KEY,
      tenancy: 'registered',
      tenantKeys: [],
      tenantLimits: { runsPerMinute: 60, maxUnfinishedRuns: 50 },
      secretsKey: expect.any(Buffer),
      logLevel: 'info',
      corsOrigins: null,
      maxBodyBytes: 10 * 1024 * 1024,
      metricsToken: null,
      retention: { days: 30, sweepIntervalMs: 3_600_000, batchSize: 1000 },
      scheduler: { enabled: true, pollIntervalMs: 10_000 },
      executor: { concurrency: 8, leaseMs: 30_000, pollIntervalMs: 5_000, maxRecoveries: 3 },
      workers: {
        token: null,
        boundTokens: [],
        sidecarImage: 'oz-sidecar:latest',
        claimTimeoutMs: 30_000,
        leaseMs: 120_000,
        retryLostRuns: false,
        pollIntervalMs: 5_000,
        logMaxLines: 5_000,
        taskTimeoutSeconds: 7_200,
        pendingTimeoutMs: 0,
        taskApiBaseUrl: null,
      },
      providers: expect.objectContaining({ fallbackOrder: [], queueOnSaturation: true, queueMaxWaitMs: 300_000 }),
    });
  });

  describe('OZ_PUBLIC_URL (what task containers get as OZ_API_BASE_URL)', () => {
    const apiBase = (env: Record<string, string>) => loadControlPlaneConfig({ ...minimal, ...env }).workers.taskApiBaseUrl;

    it('appends /api/v1 to the URL given, with or without a path and trailing slash', () => {
      expect(apiBase({ OZ_PUBLIC_URL: 'http://control-plane:8080' })).toBe('http://control-plane:8080/api/v1');
      expect(apiBase({ OZ_PUBLIC_URL: 'https://oz.example.com/' })).toBe('https://oz.example.com/api/v1');
      expect(apiBase({ OZ_PUBLIC_URL: 'http://oz-control-plane.oz:8080/prefix/' })).toBe('http://oz-control-plane.oz:8080/prefix/api/v1');
    });

    it('defaults to this machine’s loopback on a loopback bind (tasks on host networking), and to none otherwise', () => {
      expect(apiBase({ HOST: '127.0.0.1', PORT: '8080' })).toBe('http://127.0.0.1:8080/api/v1');
      expect(apiBase({ HOST: '0.0.0.0', PORT: '8080' })).toBeNull();
    });

    it.each([
      ['ftp://control-plane', 'an http:// or https:// URL'],
      ['control-plane:8080', 'http:// or https://'],
      ['not a url', 'must be an http(s) URL'],
      ['http://user:secret@control-plane:8080', 'must not carry credentials'],
      ['http://control-plane:8080/?x=1', 'no query or fragment'],
    ])('refuses %s', (value, problem) => {
      expect(() => loadControlPlaneConfig({ ...minimal, OZ_PUBLIC_URL: value })).toThrow(problem);
    });
  });

  it('fails waiting runs after OZ_PENDING_TIMEOUT_SECONDS only when it is set above 0', () => {
    expect(loadControlPlaneConfig({ ...minimal, OZ_PENDING_TIMEOUT_SECONDS: '600' }).workers.pendingTimeoutMs).toBe(600_000);
    expect(loadControlPlaneConfig({ ...minimal, OZ_PENDING_TIMEOUT_SECONDS: '0' }).workers.pendingTimeoutMs).toBe(0);
    expect(() => loadControlPlaneConfig({ ...minimal, OZ_PENDING_TIMEOUT_SECONDS: '-5' })).toThrow('OZ_PENDING_TIMEOUT_SECONDS');
  });

  describe('tenancy', () => {
    it('is open by default only on a loopback bind, registered otherwise', () => {
      for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
        expect(`${host} → ${loadControlPlaneConfig({ ...minimal, HOST: host }).tenancy}`).toBe(`${host} → open`);
      }
      for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.10', 'oz.example.com', '128.0.0.1']) {
        expect(`${host} → ${loadControlPlaneConfig({ ...minimal, HOST: host }).tenancy}`).toBe(`${host} → registered`);
      }
    });

    it('follows OZ_TENANCY whatever the bind, and refuses another word', () => {
      expect(loadControlPlaneConfig({ ...minimal, HOST: '0.0.0.0', OZ_TENANCY: 'open' }).tenancy).toBe('open');
      expect(loadControlPlaneConfig({ ...minimal, HOST: '127.0.0.1', OZ_TENANCY: 'registered' }).tenancy).toBe('registered');
      expect(problemsWith({ ...minimal, OZ_TENANCY: 'closed' })).toMatch(/OZ_TENANCY must be open or registered/);
    });

    it('limits tenants by default when registered, not when open, and takes explicit limits (0 is off)', () => {
      expect(loadControlPlaneConfig({ ...minimal, HOST: '127.0.0.1' }).tenantLimits).toEqual({ runsPerMinute: 0, maxUnfinishedRuns: 0 });
      const explicit = { ...minimal, OZ_TENANT_RUNS_PER_MINUTE: '5', OZ_TENANT_MAX_UNFINISHED_RUNS: '0' };
      expect(loadControlPlaneConfig(explicit).tenantLimits).toEqual({ runsPerMinute: 5, maxUnfinishedRuns: 0 });
      expect(problemsWith({ ...minimal, OZ_TENANT_RUNS_PER_MINUTE: '-1' })).toMatch(/OZ_TENANT_RUNS_PER_MINUTE/);
    });
  });

  describe('OZ_WORKER_TOKENS', () => {
    it('binds each token to its worker id', () => {
      const config = loadControlPlaneConfig({ ...minimal, OZ_WORKER_TOKENS: ' build-1=token-of-build-one-1234 , build-2=token-of-build-two-1234,build-1=second-token-build-one' });
      expect(config.workers.boundTokens).toEqual([
        { workerId: 'build-1', token: 'token-of-build-one-1234' },
        { workerId: 'build-2', token: 'token-of-build-two-1234' },
        { workerId: 'build-1', token: 'second-token-build-one' },
      ]);
    });

    it.each([
      ['a missing "="', 'build-1', /worker_id=token pairs/],
      ['an invalid worker id', 'warp-1=token-0123456789abcdef', /"warp-1" is not a valid worker id/],
      ['a short token', 'build-1=short', /token of build-1 must be at least 16 characters/],
      ['one token for two workers', 'a=token-0123456789abcdef,b=token-0123456789abcdef', /token of b is also another one's/],
    ])('refuses %s without echoing a token', (_, value, problem) => {
      const message = problemsWith({ ...minimal, OZ_WORKER_TOKENS: value });
      expect(message).toMatch(problem);
      expect(message).not.toContain('token-0123456789abcdef');
    });
  });

  describe('OZ_TENANT_KEYS', () => {
    it('reads name=token pairs', () => {
      const config = loadControlPlaneConfig({ ...minimal, OZ_TENANT_KEYS: 'workspace=oz_workspace_0123456789abcdef,ci=ci-token-0123456789abcdef' });
      expect(config.tenantKeys).toEqual([
        { name: 'workspace', token: 'oz_workspace_0123456789abcdef' },
        { name: 'ci', token: 'ci-token-0123456789abcdef' },
      ]);
    });

    it('refuses a short token, a bad name, and a token that is also a worker token, without echoing it', () => {
      expect(problemsWith({ ...minimal, OZ_TENANT_KEYS: 'ci=short' })).toMatch(/OZ_TENANT_KEYS: the token of ci must be at least 16 characters/);
      expect(problemsWith({ ...minimal, OZ_TENANT_KEYS: 'a b=token-0123456789abcdef' })).toMatch(/OZ_TENANT_KEYS: "a b" is not a valid name/);
      const shared = problemsWith({ ...minimal, OZ_TENANT_KEYS: 'ci=token-0123456789abcdef', OZ_WORKER_TOKENS: 'w=token-0123456789abcdef' });
      expect(shared).toMatch(/share a token/);
      expect(shared).not.toContain('token-0123456789abcdef');
    });
  });

  it('reads numbers, booleans and strings, trimming whitespace', () => {
    const config = loadControlPlaneConfig({
      ...minimal,
      PORT: ' 9090 ',
      HOST: '127.0.0.1',
      OZ_DB_POOL_SIZE: '3',
      OZ_MIGRATE_ON_START: 'false',
      OZ_SCHEDULER_ENABLED: '0',
      OZ_LOG_LEVEL: 'debug',
      OZ_MAX_BODY_BYTES: '4096',
      OZ_RUN_RETENTION_DAYS: '0',
      OZ_RETENTION_SWEEP_INTERVAL_MS: '60000',
      OZ_RETENTION_BATCH_SIZE: '50',
      OZ_SCHEDULER_POLL_INTERVAL_MS: '500',
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '127.0.0.1',
      databasePoolSize: 3,
      migrateOnStart: false,
      logLevel: 'debug',
      maxBodyBytes: 4096,
      retention: { days: 0, sweepIntervalMs: 60_000, batchSize: 50 },
      scheduler: { enabled: false, pollIntervalMs: 500 },
    });
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) {
      expect(loadControlPlaneConfig({ ...minimal, OZ_SCHEDULER_ENABLED: yes }).scheduler.enabled).toBe(true);
    }
  });

  it('treats an empty string variable as unset', () => {
    const config = loadControlPlaneConfig({ ...minimal, OZ_CORS_ORIGIN: '', OZ_SECRETS_KEY: '' });
    expect(config).toMatchObject({ corsOrigins: null, secretsKey: loadControlPlaneConfig(minimal).secretsKey });
  });

  it('treats an empty number or boolean variable as unset', () => {
    const config = loadControlPlaneConfig({ ...minimal, PORT: '', OZ_MIGRATE_ON_START: '' });
    expect(config).toMatchObject({ port: 8080, migrateOnStart: true });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '80.5'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['OZ_DB_POOL_SIZE', '1'],
    ['OZ_DB_POOL_SIZE', '201'],
    ['OZ_MAX_BODY_BYTES', '100'],
    ['OZ_MAX_BODY_BYTES', '1e'],
    ['OZ_RUN_RETENTION_DAYS', 'thirty'],
    ['OZ_RETENTION_SWEEP_INTERVAL_MS', '999'],
    ['OZ_RETENTION_BATCH_SIZE', '0'],
    ['OZ_SCHEDULER_POLL_INTERVAL_MS', '99'],
    ['OZ_LOG_LEVEL', 'verbose'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(problemsWith({ ...minimal, [name]: value })).toContain(name);
  });

  it('reports every bad variable at once', () => {
    const message = problemsWith({ PORT: 'x', OZ_DB_POOL_SIZE: '0', OZ_LOG_LEVEL: 'loud' });
    for (const name of ['DATABASE_URL', 'OZ_ADMIN_API_KEY', 'PORT', 'OZ_DB_POOL_SIZE', 'OZ_LOG_LEVEL']) {
      expect(message).toContain(name);
    }
  });

  it('ignores variables it does not declare', () => {
    expect(() => loadControlPlaneConfig({ ...minimal, HOME: '/root', OZ_SOMETHING_ELSE: '!!', port: 'nope' })).not.toThrow();
  });

  describe('providers', () => {
    const glm = { OZ_PROVIDER_GLM_MODEL: 'glm-4.6', OZ_PROVIDER_GLM_BASE_URL: 'http://127.0.0.1:9/v1' };

    it('reads OZ_PROVIDER_* into the typed config', () => {
      const { providers } = loadControlPlaneConfig({ ...minimal, ...glm, OZ_PROVIDER_FALLBACK_ORDER: 'glm', OZ_QUEUE_MAX_WAIT_SECONDS: '30' });
      expect(providers.providers.get('glm')).toMatchObject({ type: 'openai_compatible', model: 'glm-4.6', problems: [] });
      expect(providers.fallbackOrder).toEqual(['glm']);
      expect(providers.queueMaxWaitMs).toBe(30_000);
    });

    it('starts with an incomplete provider (skipped at run time) unless OZ_STARTUP_VALIDATE_PROVIDERS=true', () => {
      const incomplete = { ...minimal, OZ_PROVIDER_KIMI_MODEL: 'kimi-k2' };
      expect(loadControlPlaneConfig(incomplete).providers.providers.get('kimi')?.problems).toEqual([
        'OZ_PROVIDER_KIMI_BASE_URL is required for openai_compatible providers',
      ]);
      const message = problemsWith({ ...incomplete, OZ_STARTUP_VALIDATE_PROVIDERS: 'true' });
      expect(message).toMatch(/provider kimi: OZ_PROVIDER_KIMI_BASE_URL is required/);
    });

    it('checks that the command of a cli provider exists when validating', () => {
      const cli = { ...minimal, OZ_PROVIDER_LOCAL_TYPE: 'cli', OZ_STARTUP_VALIDATE_PROVIDERS: 'true', PATH: '/usr/bin:/bin' };
      expect(problemsWith({ ...cli, OZ_PROVIDER_LOCAL_CLI_CMD: 'no-such-agent-cli' })).toMatch(
        /provider local: command no-such-agent-cli is not an executable file on PATH/,
      );
      expect(loadControlPlaneConfig({ ...cli, OZ_PROVIDER_LOCAL_CLI_CMD: 'sh' }).providers.providers.get('local')?.type).toBe('cli');
    });

    it('refuses OZ_VALIDATE_HARNESSES naming a harness with no usable provider, or no harness at all', () => {
      expect(loadControlPlaneConfig({ ...minimal, ...glm, OZ_VALIDATE_HARNESSES: 'glm' }).providers.harnessesToValidate).toEqual(['glm']);
      const message = problemsWith({ ...minimal, ...glm, OZ_VALIDATE_HARNESSES: 'glm,claude-code,gpt5' });
      expect(message).toMatch(/harness claude-code has no usable provider/);
      expect(message).toMatch(/"gpt5", which is not a harness/);
      expect(message).not.toMatch(/harness glm/);
    });

    it('always refuses malformed provider variables, naming them', () => {
      const message = problemsWith({ ...minimal, ...glm, OZ_PROVIDER_GLM_MODLE: 'x', OZ_QUEUE_ON_SATURATION: 'perhaps' });
      expect(message).toMatch(/OZ_PROVIDER_GLM_MODLE is not a provider setting/);
      expect(message).toMatch(/OZ_QUEUE_ON_SATURATION must be true or false/);
    });

    it('never puts a provider API key in a message', () => {
      const message = problemsWith({ ...minimal, OZ_PROVIDER_GLM_API_KEY: 'sk-very-secret-value', OZ_STARTUP_VALIDATE_PROVIDERS: 'true' });
      expect(message).toMatch(/provider glm/);
      expect(message).not.toContain('sk-very-secret-value');
    });
  });

  describe('OZ_CORS_ORIGIN', () => {
    it.each([
      [undefined, null],
      ['*', '*'],
      ['https://app.example', ['https://app.example']],
      [' https://app.example , https://admin.example,, ', ['https://app.example', 'https://admin.example']],
    ])('reads %j as %j', (value, expected) => {
      expect(loadControlPlaneConfig({ ...minimal, OZ_CORS_ORIGIN: value }).corsOrigins).toEqual(expected);
    });
  });
});

describe('the environment-variable table', () => {
  const table = variablesMarkdownTable(ControlPlaneEnv);
  const rows = table.split('\n').slice(2);
  const rowOf = (name: string) => rows.find((row) => row.startsWith(`| \`${name}\` |`));

  it('lists every variable the config validates, each with a description', () => {
    const validated = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(ControlPlaneEnv, '', true, false)
        .map((m) => m.propertyName),
    );
    expect(validated.size).toBeGreaterThan(10);
    expect(variableDescriptions(ControlPlaneEnv).map((v) => v.name).sort()).toEqual([...validated].sort());
    for (const name of validated) expect(rowOf(name)).toMatch(/^\| `\w+` \| .+ \| \S.* \|$/);
  });

  it('shows defaults', () => {
    expect(rowOf('PORT')).toContain('| `8080` |');
    expect(rowOf('OZ_RUN_RETENTION_DAYS')).toContain('| `30` |');
    expect(rowOf('OZ_RETENTION_SWEEP_INTERVAL_MS')).toContain('| `3600000` |');
    expect(rowOf('DATABASE_URL')).toContain('| required |');
  });

  it('never shows the default of a secret', () => {
    class WithSecretDefault {
      @describeVariable('A token, with a development default.', { secret: true })
      TOKEN = 'dev-token-do-not-print';

      @describeVariable('A plain number.')
      LIMIT = 3;
    }
    const withSecret = variablesMarkdownTable(WithSecretDefault);
    expect(withSecret).not.toContain('dev-token-do-not-print');
    expect(withSecret).toContain('| `TOKEN` | — |');
    expect(withSecret).toContain('| `LIMIT` | `3` |');

    for (const secret of variableDescriptions(ControlPlaneEnv).filter((v) => v.secret)) {
      expect(rowOf(secret.name)).toMatch(/\| (—|required) \|/);
    }
  });
});
