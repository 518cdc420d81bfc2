import { DEFAULT_ANTHROPIC_BASE_URL, loadProviderSettings, ProviderSettingsError } from './provider-settings';

/** The ProviderSettingsError's problems for `env`; fails the test if the settings load. */
function fatalProblems(env: Record<string, string>): string[] {
  try {
    loadProviderSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderSettingsError);
    return (error as ProviderSettingsError).problems;
  }
  throw new Error(`expected a ProviderSettingsError for ${JSON.stringify(env)}`);
}

describe('loadProviderSettings', () => {
  it('knows no provider and queues for 300 s by default', () => {
    const settings = loadProviderSettings({});
    expect(settings.providers.size).toBe(0);
    expect(settings).toMatchObject({ queueOnSaturation: true, queueMaxWaitMs: 300_000, defaultHarness: 'custom', validateOnStartup: false });
  });

  it('gives each harness key its seed default type, and others openai_compatible', () => {
    const { providers } = loadProviderSettings({
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-sonnet-4-5',
      OZ_PROVIDER_CLAUDE_API_KEY: 'sk-ant-1',
      OZ_PROVIDER_CODEX_MODEL: 'gpt-5-codex',
      OZ_PROVIDER_CODEX_BASE_URL: 'https://api.example.com/v1/',
      OZ_PROVIDER_MY_LLM_MODEL: 'local',
      OZ_PROVIDER_MY_LLM_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    expect(providers.get('claude')).toMatchObject({ type: 'anthropic', baseUrl: DEFAULT_ANTHROPIC_BASE_URL, apiKey: 'sk-ant-1', problems: [] });
    // A trailing slash is dropped, so `${base}/chat/completions` has one.
    expect(providers.get('codex')).toMatchObject({ type: 'openai_compatible', baseUrl: 'https://api.example.com/v1', problems: [] });
    expect(providers.get('my_llm')).toMatchObject({ key: 'my_llm', type: 'openai_compatible', model: 'local', problems: [] });
  });

  it('lets a harness key be a cli provider', () => {
    const { providers } = loadProviderSettings({
      OZ_PROVIDER_CLAUDE_TYPE: 'CLI',
      OZ_PROVIDER_CLAUDE_CLI_CMD: 'claude',
      OZ_PROVIDER_CLAUDE_CLI_ARGS: '-p --model {model}',
    });
    expect(providers.get('claude')).toMatchObject({
      type: 'cli',
      model: 'default',
      cli: { command: 'claude', args: ['-p', '--model', '{model}'] },
      problems: [],
    });
  });

  it('reads CLI arguments as a JSON array when they start with [', () => {
    const { providers } = loadProviderSettings({
      OZ_PROVIDER_LOCAL_TYPE: 'cli',
      OZ_PROVIDER_LOCAL_CLI_CMD: '/usr/local/bin/agent',
      OZ_PROVIDER_LOCAL_CLI_ARGS: '["--system", "be brief", "-q"]',
    });
    expect(providers.get('local')?.cli?.args).toEqual(['--system', 'be brief', '-q']);
    const bad = loadProviderSettings({ OZ_PROVIDER_LOCAL_TYPE: 'cli', OZ_PROVIDER_LOCAL_CLI_CMD: 'x', OZ_PROVIDER_LOCAL_CLI_ARGS: '[1, 2]' });
    expect(bad.providers.get('local')?.problems).toEqual(['OZ_PROVIDER_LOCAL_CLI_ARGS must be a JSON array of strings, or space-separated words']);
  });

  it('gives a command only basic variables and those it was told to pass, never the host’s secrets', () => {
    const { providers } = loadProviderSettings({
      PATH: '/usr/bin:/bin',
      HOME: '/home/oz',
      OZ_ADMIN_API_KEY: 'admin-secret',
      DATABASE_URL: 'postgres://u:p@db/oz',
      ANTHROPIC_API_KEY: 'sk-ant-for-the-cli',
      OZ_PROVIDER_LOCAL_TYPE: 'cli',
      OZ_PROVIDER_LOCAL_CLI_CMD: 'claude',
      OZ_PROVIDER_LOCAL_CLI_PASS_ENV: 'ANTHROPIC_API_KEY, NOT_SET',
    });
    expect(providers.get('local')?.cli?.env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/oz', ANTHROPIC_API_KEY: 'sk-ant-for-the-cli' });
  });

  it('reads a quota from MSG_LIMIT and WINDOW_SECONDS together', () => {
    const base = { OZ_PROVIDER_GLM_MODEL: 'glm-4.6', OZ_PROVIDER_GLM_BASE_URL: 'http://127.0.0.1:9/v1' };
    const { providers } = loadProviderSettings({ ...base, OZ_PROVIDER_GLM_MSG_LIMIT: '40', OZ_PROVIDER_GLM_WINDOW_SECONDS: '18000' });
    expect(providers.get('glm')?.quota).toEqual({ limit: 40, windowSeconds: 18000 });
    expect(loadProviderSettings(base).providers.get('glm')?.quota).toBeNull();
    expect(loadProviderSettings({ ...base, OZ_PROVIDER_GLM_MSG_LIMIT: '40' }).providers.get('glm')?.problems).toEqual([
      'OZ_PROVIDER_GLM_MSG_LIMIT and OZ_PROVIDER_GLM_WINDOW_SECONDS go together: set both for a quota, or neither',
    ]);
  });

  it('records what makes a provider unusable, one problem per mistake', () => {
    const { providers } = loadProviderSettings({
      OZ_PROVIDER_A_TYPE: 'gemini',
      OZ_PROVIDER_B_MODEL: 'm',
      OZ_PROVIDER_C_MODEL: 'm',
      OZ_PROVIDER_C_BASE_URL: 'ftp://example.com',
      OZ_PROVIDER_D_MODEL: 'm',
      OZ_PROVIDER_D_BASE_URL: 'http://127.0.0.1:9/v1',
      OZ_PROVIDER_D_MSG_LIMIT: 'lots',
      OZ_PROVIDER_D_WINDOW_SECONDS: '0',
      OZ_PROVIDER_D_STREAM: 'maybe',
      OZ_PROVIDER_E_MODEL: 'm',
      OZ_PROVIDER_E_BASE_URL: 'http://127.0.0.1:9/v1',
      OZ_PROVIDER_E_CLI_CMD: 'sh',
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-sonnet-4-5',
    });
    expect(providers.get('a')?.problems).toEqual(['OZ_PROVIDER_A_TYPE must be one of openai_compatible, anthropic, cli (got "gemini")']);
    expect(providers.get('b')?.problems).toEqual(['OZ_PROVIDER_B_BASE_URL is required for openai_compatible providers']);
    expect(providers.get('c')?.problems).toEqual(['OZ_PROVIDER_C_BASE_URL must be an http(s) URL']);
    expect(providers.get('d')?.problems).toEqual([
      'OZ_PROVIDER_D_MSG_LIMIT must be a number ≥ 1 (got "lots")',
      'OZ_PROVIDER_D_WINDOW_SECONDS must be a number ≥ 1 (got "0")',
      'OZ_PROVIDER_D_STREAM must be true or false (got "maybe")',
    ]);
    expect(providers.get('e')?.problems).toEqual([
      'OZ_PROVIDER_E_CLI_CMD, _CLI_ARGS and _CLI_PASS_ENV apply only to cli providers (this one is openai_compatible)',
    ]);
    expect(providers.get('claude')?.problems).toEqual(["OZ_PROVIDER_CLAUDE_API_KEY is required to call Anthropic's API"]);
  });

  it('refuses variables that are not provider settings, instead of ignoring a typo', () => {
    expect(fatalProblems({ OZ_PROVIDER_GLM_MODLE: 'glm-4.6' })).toEqual([
      expect.stringMatching(/^OZ_PROVIDER_GLM_MODLE is not a provider setting; use OZ_PROVIDER_<KEY>_<SETTING>/),
    ]);
  });

  it('refuses a fallback order naming providers that are not configured', () => {
    expect(fatalProblems({ OZ_PROVIDER_FALLBACK_ORDER: 'glm, kimi' })).toEqual([
      'OZ_PROVIDER_FALLBACK_ORDER names providers that are not configured: glm, kimi',
    ]);
  });

  it('reads per-harness fallback orders, lower-cased and without duplicates', () => {
    const settings = loadProviderSettings({
      OZ_PROVIDER_GLM_MODEL: 'g',
      OZ_PROVIDER_GLM_BASE_URL: 'http://127.0.0.1:9/v1',
      OZ_PROVIDER_KIMI_MODEL: 'k',
      OZ_PROVIDER_KIMI_BASE_URL: 'http://127.0.0.1:9/v1',
      OZ_PROVIDER_FALLBACK_ORDER: 'GLM,kimi,glm',
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'kimi',
    });
    expect(settings.fallbackOrder).toEqual(['glm', 'kimi']);
    expect(settings.fallbackOrderByHarness.get('claude-code')).toEqual(['kimi']);
    expect(fatalProblems({ OZ_PROVIDER_FALLBACK_ORDER_CURSOR: 'x' })).toEqual([
      expect.stringMatching(/^OZ_PROVIDER_FALLBACK_ORDER_CURSOR: no harness is called CURSOR/),
    ]);
  });

  it('reads the queue settings and refuses malformed ones', () => {
    const settings = loadProviderSettings({ OZ_QUEUE_ON_SATURATION: 'off', OZ_QUEUE_MAX_WAIT_SECONDS: '45', OZ_DEFAULT_HARNESS: 'GLM' });
    expect(settings).toMatchObject({ queueOnSaturation: false, queueMaxWaitMs: 45_000, defaultHarness: 'glm' });
    expect(fatalProblems({ OZ_QUEUE_ON_SATURATION: 'ture', OZ_QUEUE_MAX_WAIT_SECONDS: '-1', OZ_DEFAULT_HARNESS: 'cursor' })).toEqual([
      'OZ_QUEUE_ON_SATURATION must be true or false (got "ture")',
      'OZ_QUEUE_MAX_WAIT_SECONDS must be a number ≥ 0 (got "-1")',
      expect.stringMatching(/^OZ_DEFAULT_HARNESS must be one of claude-code, codex/),
    ]);
  });

  it('reads timeouts in seconds and keeps empty variables unset', () => {
    const { providers } = loadProviderSettings({
      OZ_PROVIDER_GLM_MODEL: 'g',
      OZ_PROVIDER_GLM_BASE_URL: 'http://127.0.0.1:9/v1',
      OZ_PROVIDER_GLM_TIMEOUT_SECONDS: '2.5',
      OZ_PROVIDER_GLM_IDLE_TIMEOUT_SECONDS: '',
      OZ_PROVIDER_GLM_MAX_TOKENS: '100',
    });
    expect(providers.get('glm')).toMatchObject({ timeoutMs: 2500, idleTimeoutMs: 120_000, maxTokens: 100, stream: true });
  });
});
