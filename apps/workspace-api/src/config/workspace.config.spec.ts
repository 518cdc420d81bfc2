import { ConfigError, loadWorkspaceConfig } from './workspace.config';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db' };

function problems(env: Record<string, string>): string {
  try {
    loadWorkspaceConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('workspace config', () => {
  it('has working defaults: local runner, port 3000, no Redis, internal routes closed', () => {
    const config = loadWorkspaceConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      databaseSchema: 'workspace',
      redisUrl: null,
      agentApiKey: null,
      runner: { mode: 'local' },
      invocation: { maxMentionDepth: 4, contextMessages: 20, staleAfterMs: 300_000 },
      events: { durable: false, maxPerRoom: 10_000 },
    });
  });

  it('reads remote mode and strips trailing slashes from the API URL', () => {
    const config = loadWorkspaceConfig({ ...base, OZ_RUNNER_MODE: 'remote', OZ_API_BASE_URL: 'http://cp:8080/api/v1/', OZ_API_KEY: 'k' });
    expect(config.runner).toEqual({ mode: 'remote', apiBaseUrl: 'http://cp:8080/api/v1', apiKey: 'k', environmentId: null, pollIntervalMs: 1000 });
  });

  it('names every bad variable at once', () => {
    const message = problems({
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://redis',
      OZ_RUNNER_MODE: 'cloud',
      PORT: 'eighty',
      OZ_REDIS_EVENTS_DURABLE: 'ture',
      AGENT_API_KEY: 'short',
      OZ_WORKSPACE_DB_SCHEMA: 'Bad-Schema',
    });
    for (const expected of [
      'DATABASE_URL must be a postgres:// URL',
      'REDIS_URL must be a redis:// or rediss:// URL',
      'OZ_RUNNER_MODE must be local or remote',
      'PORT must be an integer number',
      'OZ_REDIS_EVENTS_DURABLE must be a boolean value',
      'AGENT_API_KEY must be at least 16 characters',
      'OZ_WORKSPACE_DB_SCHEMA must be a lower-case SQL identifier',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('remote mode needs the control plane URL and a key', () => {
    const message = problems({ ...base, OZ_RUNNER_MODE: 'remote' });
    expect(message).toContain('OZ_API_BASE_URL is required when OZ_RUNNER_MODE=remote');
    expect(message).toContain('OZ_API_KEY is required when OZ_RUNNER_MODE=remote');
    expect(problems({ ...base, OZ_RUNNER_MODE: 'remote', OZ_API_KEY: 'k', OZ_API_BASE_URL: 'http://cp:8080' })).toContain('ending in /api/v1');
  });

  it('local mode checks the provider settings', () => {
    expect(problems({ ...base, OZ_PROVIDER_CUSTOM_COLOUR: 'red' })).toContain('OZ_PROVIDER_CUSTOM_COLOUR is not a provider setting');
    expect(problems({ ...base, OZ_STARTUP_VALIDATE_PROVIDERS: 'true', OZ_PROVIDER_CUSTOM_TYPE: 'openai_compatible' })).toContain('OZ_PROVIDER_CUSTOM_MODEL is required');
  });

  it('requires DATABASE_URL', () => {
    expect(problems({})).toContain('DATABASE_URL is required');
  });

  describe('defaults that depend on the bind address', () => {
    it('open signup and a cookie without Secure only on a loopback bind', () => {
      for (const HOST of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) {
        expect(loadWorkspaceConfig({ ...base, HOST })).toMatchObject({ signup: { mode: 'open' }, sessions: { secureCookie: false } });
      }
      for (const HOST of ['0.0.0.0', '::', '10.0.0.5', 'workspace.internal']) {
        expect(loadWorkspaceConfig({ ...base, HOST })).toMatchObject({ signup: { mode: 'invite' }, sessions: { secureCookie: true } });
      }
    });

    it('room callbacks reach this API on 127.0.0.1 only on a loopback bind; OZ_WORKSPACE_PUBLIC_URL says where otherwise', () => {
      expect(loadWorkspaceConfig({ ...base, HOST: '127.0.0.1', PORT: '3100' }).callbacks).toEqual({ apiUrl: 'http://127.0.0.1:3100/api', maxWritesPerRun: 200 });
      expect(loadWorkspaceConfig({ ...base, HOST: '0.0.0.0' }).callbacks.apiUrl).toBeNull();
      // A random port (0) is no address a container could be given.
      expect(loadWorkspaceConfig({ ...base, HOST: '127.0.0.1', PORT: '0' }).callbacks.apiUrl).toBeNull();
      expect(
        loadWorkspaceConfig({ ...base, HOST: '0.0.0.0', OZ_WORKSPACE_PUBLIC_URL: 'http://workspace:3000/', OZ_ROOM_CALLBACK_MAX_WRITES: '5' }).callbacks,
      ).toEqual({ apiUrl: 'http://workspace:3000/api', maxWritesPerRun: 5 });
      expect(loadWorkspaceConfig({ ...base, OZ_WORKSPACE_PUBLIC_URL: 'https://oz.example.com/workspace' }).callbacks.apiUrl).toBe('https://oz.example.com/workspace/api');
    });

    it.each([
      ['not a URL', 'workspace api', /must be an http\(s\) URL/],
      ['another scheme', 'ftp://workspace-api', /must be an http:\/\/ or https:\/\/ URL/],
      ['credentials', 'http://user:secret@workspace-api:3000', /must not carry credentials/],
      ['a query', 'http://workspace:3000/?x=1', /must have no query or fragment/],
    ])('names an OZ_WORKSPACE_PUBLIC_URL with %s', (_, url, message) => {
      expect(problems({ ...base, OZ_WORKSPACE_PUBLIC_URL: url })).toMatch(message);
    });

    it('OZ_SIGNUP and OZ_COOKIE_SECURE override them', () => {
      expect(loadWorkspaceConfig({ ...base, HOST: '0.0.0.0', OZ_SIGNUP: 'open', OZ_COOKIE_SECURE: 'false' })).toMatchObject({
        signup: { mode: 'open' },
        sessions: { secureCookie: false },
      });
      expect(loadWorkspaceConfig({ ...base, HOST: '127.0.0.1', OZ_SIGNUP: 'closed', OZ_COOKIE_SECURE: 'true' })).toMatchObject({
        signup: { mode: 'closed' },
        sessions: { secureCookie: true },
      });
    });
  });

  it('reads the limits, the proxy trust and the secrets key', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const config = loadWorkspaceConfig({ ...base, OZ_TRUST_PROXY: '2', OZ_SECRETS_KEY: key, OZ_LOGIN_MAX_FAILURES_PER_ADDRESS: '7' });
    expect(config.trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(config.secretsKey).toEqual(Buffer.alloc(32, 3));
    expect(config.login).toEqual({ maxFailuresPerAccount: 5, maxFailuresPerAddress: 7, windowSeconds: 900 });
    expect(loadWorkspaceConfig(base)).toMatchObject({ trustProxy: { kind: 'none' }, secretsKey: null, passwords: { concurrency: 2, queue: 32 } });
    expect(loadWorkspaceConfig(base).invocation).toMatchObject({ maxRunsPerMessage: 10, maxActiveRunsPerUser: 10 });
    expect(loadWorkspaceConfig(base).sse).toEqual({ maxReplay: 1000, perUser: 20, perShare: 50, perAddress: 100 });
  });

  it('names a bad signup mode, proxy setting or secrets key', () => {
    const message = problems({ ...base, OZ_SIGNUP: 'public', OZ_TRUST_PROXY: 'proxy.internal', OZ_SECRETS_KEY: 'c2hvcnQ=' });
    expect(message).toContain('OZ_SIGNUP must be open, invite or closed');
    expect(message).toContain('OZ_TRUST_PROXY must be false, a hop count (1, 2…), a comma-separated list of proxy addresses or CIDR ranges');
    expect(message).toContain('OZ_SECRETS_KEY must be 32 bytes encoded as base64 (44 characters)');
  });
});
