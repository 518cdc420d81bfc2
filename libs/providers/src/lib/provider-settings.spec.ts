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

/** The problems of provider `key`, as loaded from `env` (which must not be fatal). */
function problemsOf(key: string, env: Record<string, string>): string[] | undefined {
  return loadProviderSettings(env).providers.get(key)?.problems;
}

/** MODEL and BASE_URL of an openai_compatible provider, under OZ_PROVIDER_<KEY>_*. */
const http = (key: string, model = `${key}-model`) => ({
  [`OZ_PROVIDER_${key}_MODEL`]: model,
  [`OZ_PROVIDER_${key}_BASE_URL`]: 'http://127.0.0.1:9/v1',
});

describe('loadProviderSettings: defaults', () => {
  it('knows no provider and queues for 300 s by default', () => {
    const settings = loadProviderSettings({});
    expect(settings.providers.size).toBe(0);
    expect(settings).toMatchObject({
      fallbackOrder: [],
      queueOnSaturation: true,
      queueMaxWaitMs: 300_000,
      defaultHarness: 'custom',
      validateOnStartup: false,
      harnessesToValidate: [],
    });
    expect(settings.fallbackOrderByHarness.size).toBe(0);
  });

  it('makes claude an anthropic provider on Anthropic’s API unless told otherwise', () => {
    const claude = loadProviderSettings({ OZ_PROVIDER_CLAUDE_MODEL: 'claude-sonnet-4-5', OZ_PROVIDER_CLAUDE_API_KEY: 'sk-ant-1' }).providers.get('claude');
    expect(claude).toMatchObject({
      key: 'claude',
      type: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseUrl: DEFAULT_ANTHROPIC_BASE_URL,
      apiKey: 'sk-ant-1',
      quota: null,
      timeoutMs: 600_000,
      idleTimeoutMs: 120_000,
      maxTokens: 4096,
      stream: true,
      cli: null,
      problems: [],
    });
    // A gateway speaking Anthropic's protocol needs no key of Anthropic's.
    const gateway = loadProviderSettings({ OZ_PROVIDER_CLAUDE_MODEL: 'c', OZ_PROVIDER_CLAUDE_BASE_URL: 'http://127.0.0.1:9' }).providers.get('claude');
    expect(gateway).toMatchObject({ type: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: null, problems: [] });
  });

  it.each(['CODEX', 'GLM', 'KIMI', 'GEMINI', 'CUSTOM', 'MY_LLM'])('makes %s an openai_compatible provider by default', (key) => {
    const provider = loadProviderSettings(http(key)).providers.get(key.toLowerCase());
    expect(provider).toMatchObject({ type: 'openai_compatible', model: `${key}-model`, baseUrl: 'http://127.0.0.1:9/v1', problems: [] });
  });

  it('reads a key with underscores whole, and lower-cases it', () => {
    const settings = loadProviderSettings({ OZ_PROVIDER_MY_LLM_MODEL: 'local', OZ_PROVIDER_MY_LLM_BASE_URL: 'http://127.0.0.1:9/v1/' });
    expect([...settings.providers.keys()]).toEqual(['my_llm']);
    // A trailing slash is dropped, so `${base}/chat/completions` has one.
    expect(settings.providers.get('my_llm')).toMatchObject({ key: 'my_llm', model: 'local', baseUrl: 'http://127.0.0.1:9/v1', problems: [] });
  });

  it('reads a setting whose name contains another setting’s (IDLE_TIMEOUT_SECONDS, CLI_PASS_ENV) as that setting', () => {
    const settings = loadProviderSettings({
      ...http('GLM'),
      OZ_PROVIDER_GLM_IDLE_TIMEOUT_SECONDS: '7',
      OZ_PROVIDER_LOCAL_TYPE: 'cli',
      OZ_PROVIDER_LOCAL_CLI_CMD: 'agent',
      OZ_PROVIDER_LOCAL_CLI_PASS_ENV: 'TOKEN',
      TOKEN: 't',
    });
    expect([...settings.providers.keys()].sort()).toEqual(['glm', 'local']);
    expect(settings.providers.get('glm')).toMatchObject({ idleTimeoutMs: 7000, timeoutMs: 600_000 });
    expect(settings.providers.get('local')?.cli?.env).toEqual({ TOKEN: 't' });
  });

  it('reads timeouts in seconds and keeps empty variables unset', () => {
    const { providers } = loadProviderSettings({
      ...http('GLM'),
      OZ_PROVIDER_GLM_TIMEOUT_SECONDS: '2.5',
      OZ_PROVIDER_GLM_IDLE_TIMEOUT_SECONDS: '',
      OZ_PROVIDER_GLM_MAX_TOKENS: '100',
      OZ_PROVIDER_GLM_STREAM: 'no',
    });
    expect(providers.get('glm')).toMatchObject({ timeoutMs: 2500, idleTimeoutMs: 120_000, maxTokens: 100, stream: false, problems: [] });
  });
});

describe('loadProviderSettings: per-provider problems', () => {
  it('requires a model of http providers, and a base URL of openai_compatible ones', () => {
    expect(problemsOf('glm', { OZ_PROVIDER_GLM_BASE_URL: 'http://127.0.0.1:9/v1' })).toEqual([
      'OZ_PROVIDER_GLM_MODEL is required for openai_compatible providers',
    ]);
    expect(problemsOf('glm', { OZ_PROVIDER_GLM_MODEL: 'glm-4.6' })).toEqual([
      'OZ_PROVIDER_GLM_BASE_URL is required for openai_compatible providers',
    ]);
    expect(problemsOf('claude', { OZ_PROVIDER_CLAUDE_API_KEY: 'sk-ant-1' })).toEqual(['OZ_PROVIDER_CLAUDE_MODEL is required for anthropic providers']);
    expect(problemsOf('claude', { OZ_PROVIDER_CLAUDE_MODEL: 'claude-sonnet-4-5' })).toEqual([
      "OZ_PROVIDER_CLAUDE_API_KEY is required to call Anthropic's API",
    ]);
  });

  it('refuses an unknown TYPE and judges nothing else of that provider', () => {
    const provider = loadProviderSettings({ OZ_PROVIDER_A_TYPE: 'vertex', OZ_PROVIDER_A_MODEL: 'm' }).providers.get('a');
    expect(provider).toMatchObject({
      model: 'm',
      problems: ['OZ_PROVIDER_A_TYPE must be one of openai_compatible, anthropic, gemini, cli (got "vertex")'],
    });
  });

  it('calls Google’s Gemini API by default for a gemini provider, which then needs its key', () => {
    const settings = loadProviderSettings({
      OZ_PROVIDER_G_TYPE: 'gemini',
      OZ_PROVIDER_G_MODEL: 'gemini-2.5-pro',
      OZ_PROVIDER_LOCAL_TYPE: 'gemini',
      OZ_PROVIDER_LOCAL_MODEL: 'gemini-2.5-flash',
      OZ_PROVIDER_LOCAL_BASE_URL: 'http://127.0.0.1:9000/',
    });
    expect(settings.providers.get('g')).toMatchObject({
      type: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com',
      problems: ["OZ_PROVIDER_G_API_KEY is required to call Google's Gemini API"],
    });
    expect(settings.providers.get('local')).toMatchObject({ type: 'gemini', baseUrl: 'http://127.0.0.1:9000', problems: [] });
  });

  it('refuses a base URL that is not http(s)', () => {
    const provider = loadProviderSettings({ OZ_PROVIDER_C_MODEL: 'm', OZ_PROVIDER_C_BASE_URL: 'ftp://example.com' }).providers.get('c');
    expect(provider).toMatchObject({ baseUrl: null, problems: ['OZ_PROVIDER_C_BASE_URL must be an http(s) URL'] });
  });

  it('reads a quota from MSG_LIMIT and WINDOW_SECONDS together, and refuses one without the other', () => {
    const base = http('GLM');
    expect(loadProviderSettings({ ...base, OZ_PROVIDER_GLM_MSG_LIMIT: '40', OZ_PROVIDER_GLM_WINDOW_SECONDS: '18000' }).providers.get('glm')?.quota).toEqual({
      limit: 40,
      windowSeconds: 18000,
    });
    expect(loadProviderSettings(base).providers.get('glm')?.quota).toBeNull();
    const together = 'OZ_PROVIDER_GLM_MSG_LIMIT and OZ_PROVIDER_GLM_WINDOW_SECONDS go together: set both for a quota, or neither';
    expect(problemsOf('glm', { ...base, OZ_PROVIDER_GLM_MSG_LIMIT: '40' })).toEqual([together]);
    expect(problemsOf('glm', { ...base, OZ_PROVIDER_GLM_WINDOW_SECONDS: '60' })).toEqual([together]);
  });

  it('refuses numbers that are not numbers, too small, or fractional counts', () => {
    const problems = problemsOf('d', {
      ...http('D'),
      OZ_PROVIDER_D_MSG_LIMIT: 'lots',
      OZ_PROVIDER_D_WINDOW_SECONDS: '0',
      OZ_PROVIDER_D_TIMEOUT_SECONDS: '10s',
      OZ_PROVIDER_D_MAX_TOKENS: '0',
    });
    expect(problems).toEqual([
      'OZ_PROVIDER_D_MSG_LIMIT must be a whole number ≥ 1 (got "lots")',
      'OZ_PROVIDER_D_WINDOW_SECONDS must be a number ≥ 1 (got "0")',
      'OZ_PROVIDER_D_TIMEOUT_SECONDS must be a number ≥ 0.001 (got "10s")',
      'OZ_PROVIDER_D_MAX_TOKENS must be a whole number ≥ 1 (got "0")',
    ]);
    // The quota function counts calls in whole numbers: 2.5 would fail every reservation later.
    expect(problemsOf('d', { ...http('D'), OZ_PROVIDER_D_MSG_LIMIT: '2.5', OZ_PROVIDER_D_WINDOW_SECONDS: '60', OZ_PROVIDER_D_MAX_TOKENS: '99.5' })).toEqual([
      'OZ_PROVIDER_D_MSG_LIMIT must be a whole number ≥ 1 (got "2.5")',
      'OZ_PROVIDER_D_MAX_TOKENS must be a whole number ≥ 1 (got "99.5")',
    ]);
  });

  it('refuses a STREAM that is not a boolean word', () => {
    expect(problemsOf('d', { ...http('D'), OZ_PROVIDER_D_STREAM: 'maybe' })).toEqual(['OZ_PROVIDER_D_STREAM must be true or false (got "maybe")']);
    for (const [word, stream] of [['1', true], ['ON', true], ['yes', true], ['0', false], ['Off', false], ['false', false]] as const) {
      expect(loadProviderSettings({ ...http('D'), OZ_PROVIDER_D_STREAM: word }).providers.get('d')?.stream).toBe(stream);
    }
  });

  it('refuses CLI settings on a provider that is not a cli one', () => {
    for (const setting of ['CLI_CMD', 'CLI_ARGS', 'CLI_PASS_ENV']) {
      const provider = loadProviderSettings({ ...http('E'), [`OZ_PROVIDER_E_${setting}`]: 'sh' }).providers.get('e');
      expect(provider).toMatchObject({
        cli: null,
        problems: ['OZ_PROVIDER_E_CLI_CMD, _CLI_ARGS and _CLI_PASS_ENV apply only to cli providers (this one is openai_compatible)'],
      });
    }
  });

  it('keeps each provider’s problems to itself', () => {
    const { providers } = loadProviderSettings({ ...http('GOOD'), OZ_PROVIDER_BAD_MODEL: 'm' });
    expect(providers.get('good')?.problems).toEqual([]);
    expect(providers.get('bad')?.problems).toHaveLength(1);
  });
});

describe('loadProviderSettings: cli providers', () => {
  it('lets a harness key be a cli provider, with a default model', () => {
    const claude = loadProviderSettings({
      OZ_PROVIDER_CLAUDE_TYPE: 'CLI',
      OZ_PROVIDER_CLAUDE_CLI_CMD: 'claude',
      OZ_PROVIDER_CLAUDE_CLI_ARGS: '-p   --model {model}',
    }).providers.get('claude');
    expect(claude).toMatchObject({ type: 'cli', model: 'default', baseUrl: null, cli: { command: 'claude', args: ['-p', '--model', '{model}'] }, problems: [] });
  });

  it('requires a command', () => {
    expect(problemsOf('local', { OZ_PROVIDER_LOCAL_TYPE: 'cli' })).toEqual(['OZ_PROVIDER_LOCAL_CLI_CMD is required for cli providers']);
  });

  it('reads CLI arguments as a JSON array when they start with [, else as words', () => {
    const cli = (args: string) =>
      loadProviderSettings({ OZ_PROVIDER_LOCAL_TYPE: 'cli', OZ_PROVIDER_LOCAL_CLI_CMD: 'agent', OZ_PROVIDER_LOCAL_CLI_ARGS: args }).providers.get('local');
    // JSON keeps an argument with spaces whole; words split it.
    expect(cli('["--system", "be brief", "-q"]')?.cli?.args).toEqual(['--system', 'be brief', '-q']);
    expect(cli('--system be brief -q')?.cli?.args).toEqual(['--system', 'be', 'brief', '-q']);
    for (const bad of ['[1, 2]', '["unclosed"', '[{"a": "b"}]']) {
      expect(cli(bad)).toMatchObject({ cli: { args: [] }, problems: ['OZ_PROVIDER_LOCAL_CLI_ARGS must be a JSON array of strings, or space-separated words'] });
    }
  });

  it('gives a command only basic variables and those it was told to pass, never the host’s secrets', () => {
    const { providers } = loadProviderSettings({
      PATH: '/usr/bin:/bin',
      HOME: '/home/oz',
      USER: 'oz',
      LANG: 'C.UTF-8',
      OZ_ADMIN_API_KEY: 'admin-secret',
      DATABASE_URL: 'postgres://u:p@db/oz',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      ANTHROPIC_API_KEY: 'sk-ant-for-the-cli',
      OZ_PROVIDER_LOCAL_TYPE: 'cli',
      OZ_PROVIDER_LOCAL_CLI_CMD: 'claude',
      // Names keep their case; a name that is not set is simply absent.
      OZ_PROVIDER_LOCAL_CLI_PASS_ENV: 'ANTHROPIC_API_KEY, NOT_SET',
    });
    // Not HOME either: each call gets a fresh one of its own.
    expect(providers.get('local')?.cli?.env).toEqual({ PATH: '/usr/bin:/bin', USER: 'oz', LANG: 'C.UTF-8', ANTHROPIC_API_KEY: 'sk-ant-for-the-cli' });
  });
});

describe('loadProviderSettings: fatal problems', () => {
  it('refuses variables that are not provider settings, instead of ignoring a typo', () => {
    expect(fatalProblems({ ...http('X'), OZ_PROVIDER_X_TYPOO: 'anthropic' })).toEqual([
      'OZ_PROVIDER_X_TYPOO is not a provider setting; use OZ_PROVIDER_<KEY>_<SETTING> with SETTING one of TYPE, MODEL, BASE_URL, API_KEY, MSG_LIMIT, WINDOW_SECONDS, TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS, MAX_TOKENS, STREAM, CLI_CMD, CLI_ARGS, CLI_PASS_ENV',
    ]);
    expect(fatalProblems({ OZ_PROVIDER_GLM_MODLE: 'glm-4.6', OZ_PROVIDER_TYPE: 'cli' })).toEqual([
      expect.stringMatching(/^OZ_PROVIDER_GLM_MODLE is not a provider setting/),
      expect.stringMatching(/^OZ_PROVIDER_TYPE is not a provider setting/),
    ]);
  });

  it('ignores an empty variable, even a misspelt one', () => {
    expect(loadProviderSettings({ OZ_PROVIDER_X_TYPOO: '', OZ_PROVIDER_GLM_MODEL: '  ' }).providers.size).toBe(0);
  });

  it('refuses a fallback order naming providers that are not configured', () => {
    expect(fatalProblems({ ...http('GLM'), OZ_PROVIDER_FALLBACK_ORDER: 'glm, kimi, ollama' })).toEqual([
      'OZ_PROVIDER_FALLBACK_ORDER names providers that are not configured: kimi, ollama',
    ]);
    expect(fatalProblems({ ...http('GLM'), OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'glm,kimi' })).toEqual([
      'fallback order of claude-code names providers that are not configured: kimi',
    ]);
  });

  it('reads per-harness fallback orders, lower-cased and without duplicates', () => {
    const settings = loadProviderSettings({
      ...http('GLM'),
      ...http('KIMI'),
      ...http('MY_LLM'),
      OZ_PROVIDER_FALLBACK_ORDER: 'GLM,kimi,glm',
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'kimi, my_llm',
      OZ_PROVIDER_FALLBACK_ORDER_GEMINI_CLI: 'glm',
    });
    expect(settings.fallbackOrder).toEqual(['glm', 'kimi']);
    expect([...settings.fallbackOrderByHarness]).toEqual([
      ['claude-code', ['kimi', 'my_llm']],
      ['gemini-cli', ['glm']],
    ]);
  });

  it('refuses a fallback order for a harness that does not exist', () => {
    expect(fatalProblems({ OZ_PROVIDER_FALLBACK_ORDER_CURSOR: 'x' })).toEqual([
      'OZ_PROVIDER_FALLBACK_ORDER_CURSOR: no harness is called CURSOR (harnesses: claude-code, codex, glm, kimi, gemini-cli, custom)',
    ]);
  });

  it('reads the queue and start-up settings', () => {
    const settings = loadProviderSettings({
      OZ_QUEUE_ON_SATURATION: 'off',
      OZ_QUEUE_MAX_WAIT_SECONDS: '45',
      OZ_DEFAULT_HARNESS: 'GLM',
      OZ_STARTUP_VALIDATE_PROVIDERS: 'true',
      OZ_VALIDATE_HARNESSES: 'claude-code, Codex',
    });
    expect(settings).toMatchObject({
      queueOnSaturation: false,
      queueMaxWaitMs: 45_000,
      defaultHarness: 'glm',
      validateOnStartup: true,
      harnessesToValidate: ['claude-code', 'codex'],
    });
    // Zero is allowed: never wait for a slot.
    expect(loadProviderSettings({ OZ_QUEUE_MAX_WAIT_SECONDS: '0' }).queueMaxWaitMs).toBe(0);
  });

  it('refuses malformed queue settings, all of them at once', () => {
    expect(
      fatalProblems({ OZ_QUEUE_ON_SATURATION: 'ture', OZ_STARTUP_VALIDATE_PROVIDERS: 'y', OZ_QUEUE_MAX_WAIT_SECONDS: '-1', OZ_DEFAULT_HARNESS: 'cursor' }),
    ).toEqual([
      'OZ_QUEUE_ON_SATURATION must be true or false (got "ture")',
      'OZ_STARTUP_VALIDATE_PROVIDERS must be true or false (got "y")',
      'OZ_QUEUE_MAX_WAIT_SECONDS must be a number ≥ 0 (got "-1")',
      'OZ_DEFAULT_HARNESS must be one of claude-code, codex, glm, kimi, gemini-cli, custom',
    ]);
  });

  it('says every fatal problem in the error message', () => {
    expect(() => loadProviderSettings({ OZ_PROVIDER_A_TYPOO: 'x', OZ_QUEUE_ON_SATURATION: 'ture' })).toThrow(
      /^Invalid provider configuration:\n {2}- OZ_PROVIDER_A_TYPOO is not a provider setting.*\n {2}- OZ_QUEUE_ON_SATURATION must be true or false/,
    );
  });
});
