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
});
