import { loadProviderSettings } from './provider-settings';
import { harnessProblems, modelPicksRoute, planRoute, providerProblems } from './route-plan';

const http = (key: string, model = `${key}-model`) => ({
  [`OZ_PROVIDER_${key.toUpperCase()}_MODEL`]: model,
  [`OZ_PROVIDER_${key.toUpperCase()}_BASE_URL`]: 'http://127.0.0.1:9/v1',
});

/** Provider keys of the plan, in order, with the model each would be sent. */
function route(env: Record<string, string>, selector: Parameters<typeof planRoute>[1]): string[] {
  return planRoute(loadProviderSettings(env), selector).candidates.map((c) => `${c.provider.key}:${c.model}`);
}

describe('planRoute', () => {
  const env = {
    ...http('claude'),
    ...http('codex'),
    ...http('glm'),
    ...http('kimi'),
    ...http('gemini'),
    ...http('custom'),
    OZ_PROVIDER_CLAUDE_TYPE: 'openai_compatible',
  };

  it.each([
    ['claude-sonnet-4-5', 'claude'],
    ['CLAUDE-OPUS', 'claude'],
    ['gpt-5-codex', 'codex'],
    ['gpt-4.1', 'codex'],
    ['glm-4.6', 'glm'],
    ['kimi-k2', 'kimi'],
    ['gemini-2.5-pro', 'gemini'],
    ['qwen3-coder', 'custom'],
  ])('sends model_id %s to the %s provider first, with that provider’s model', (modelId, key) => {
    expect(route(env, { modelId })[0]).toBe(`${key}:${key}-model`);
  });

  it('tries the model_id words in a fixed order: claude before gpt', () => {
    expect(planRoute(loadProviderSettings(env), { modelId: 'gpt-proxy-for-claude' }).harness).toBe('claude-code');
  });

  it('maps harness.type claude to the claude-code harness', () => {
    const plan = planRoute(loadProviderSettings(env), { harnessType: 'Claude' });
    expect(plan.harness).toBe('claude-code');
    expect(plan.candidates[0]?.provider.key).toBe('claude');
  });

  it('ignores a harness.type it does not know, and lets a named harness skip the rules', () => {
    expect(route(env, { modelId: 'kimi-k2', harnessType: 'cursor' })[0]).toBe('kimi:kimi-model');
    expect(route(env, { modelId: 'claude-x', harnessType: 'codex', harness: 'glm' })[0]).toBe('glm:glm-model');
  });

  it('lets harness.type win over the words in model_id', () => {
    expect(route(env, { modelId: 'glm-4.6', harnessType: 'claude' })[0]).toBe('claude:claude-model');
    expect(route(env, { modelId: 'glm-4.6', harnessType: 'gemini' })[0]).toBe('gemini:gemini-model');
    // `oz` names no harness of ours: the model_id decides.
    expect(route(env, { modelId: 'glm-4.6', harnessType: 'oz' })[0]).toBe('glm:glm-model');
  });

  it('takes a model_id that is a provider key as that provider, and `<key>/<model>` as its model', () => {
    const custom = { ...env, ...http('my_llm') };
    expect(route(custom, { modelId: 'my_llm' })).toEqual(['my_llm:my_llm-model']);
    expect(route(custom, { modelId: 'My_LLM/qwen3-coder:30b' })).toEqual(['my_llm:qwen3-coder:30b']);
    // An unknown key before the slash is just a model name.
    expect(route(custom, { modelId: 'openrouter/claude-sonnet' })[0]).toBe('claude:claude-model');
    // A harness's own key works the same way; an empty model after the slash keeps the provider's.
    expect(route(custom, { modelId: 'glm/glm-4.5-air' })[0]).toBe('glm:glm-4.5-air');
    expect(route(custom, { modelId: 'glm/' })[0]).toBe('glm:glm-model');
  });

  it('sends only the named provider the run’s model; the fallbacks keep their own', () => {
    const withOrder = { ...env, ...http('my_llm'), OZ_PROVIDER_FALLBACK_ORDER: 'kimi,my_llm' };
    expect(route(withOrder, { modelId: 'my_llm/qwen3' })).toEqual(['my_llm:qwen3', 'kimi:kimi-model']);
    expect(route(withOrder, { modelId: 'kimi/k3' })).toEqual(['kimi:k3', 'my_llm:my_llm-model']);
  });

  it('uses OZ_DEFAULT_HARNESS when nothing names a harness', () => {
    expect(route({ ...env, OZ_DEFAULT_HARNESS: 'kimi' }, { modelId: null })[0]).toBe('kimi:kimi-model');
  });

  it('appends the fallback order without repeating the first provider', () => {
    const withOrder = { ...env, OZ_PROVIDER_FALLBACK_ORDER: 'kimi,glm,custom' };
    expect(route(withOrder, { modelId: 'glm-4.6' })).toEqual(['glm:glm-model', 'kimi:kimi-model', 'custom:custom-model']);
    // The same when the run names the provider by key.
    expect(route(withOrder, { modelId: 'custom' })).toEqual(['custom:custom-model', 'kimi:kimi-model', 'glm:glm-model']);
  });

  it('has only the harness’s provider without a fallback order', () => {
    expect(route(env, { modelId: 'glm-4.6' })).toEqual(['glm:glm-model']);
  });

  it('uses a harness’s own fallback order instead of the global one', () => {
    const withOrders = { ...env, OZ_PROVIDER_FALLBACK_ORDER: 'kimi', OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'glm,codex' };
    expect(route(withOrders, { modelId: 'claude-x' })).toEqual(['claude:claude-model', 'glm:glm-model', 'codex:codex-model']);
    expect(route(withOrders, { modelId: 'codex' })).toEqual(['codex:codex-model', 'kimi:kimi-model']);
  });

  it('starts with the fallback order when the harness’s own provider is not configured', () => {
    expect(route({ ...http('glm'), OZ_PROVIDER_FALLBACK_ORDER: 'glm' }, { modelId: 'claude-x' })).toEqual(['glm:glm-model']);
  });

  it('leaves unusable providers out and says why', () => {
    const plan = planRoute(loadProviderSettings({ ...http('glm'), OZ_PROVIDER_KIMI_MODEL: 'k', OZ_PROVIDER_FALLBACK_ORDER: 'kimi,glm' }), {
      modelId: 'kimi-k2',
    });
    expect(plan.candidates.map((c) => c.provider.key)).toEqual(['glm']);
    expect(plan.skipped).toEqual(['kimi: OZ_PROVIDER_KIMI_BASE_URL is required for openai_compatible providers']);
    expect(plan.harness).toBe('kimi');
  });
});

describe('start-up checks', () => {
  it('names each harness of OZ_VALIDATE_HARNESSES that reaches no usable provider', () => {
    const settings = loadProviderSettings({ ...http('glm'), OZ_PROVIDER_KIMI_MODEL: 'k', OZ_VALIDATE_HARNESSES: 'glm,kimi,codex,cursor' });
    expect(harnessProblems(settings)).toEqual([
      'harness kimi has no usable provider: kimi: OZ_PROVIDER_KIMI_BASE_URL is required for openai_compatible providers',
      expect.stringMatching(/^harness codex has no usable provider: set OZ_PROVIDER_CODEX_MODEL/),
      expect.stringMatching(/^OZ_VALIDATE_HARNESSES names "cursor", which is not a harness/),
    ]);
  });

  it('accepts a harness served only through the fallback order', () => {
    expect(harnessProblems(loadProviderSettings({ ...http('glm'), OZ_PROVIDER_FALLBACK_ORDER: 'glm', OZ_VALIDATE_HARNESSES: 'codex' }))).toEqual([]);
  });

  it('finds a cli command by absolute path, or on the PATH the command itself gets', () => {
    const cli = (command: string, path?: string) =>
      providerProblems(
        loadProviderSettings({ ...(path === undefined ? {} : { PATH: path }), OZ_PROVIDER_AGENT_TYPE: 'cli', OZ_PROVIDER_AGENT_CLI_CMD: command }),
      );
    expect(cli('/bin/sh')).toEqual([]);
    expect(cli('sh', '/nonexistent:/usr/bin:/bin')).toEqual([]);
    // The PATH that counts is the one passed to the command: without one, a bare name is not found.
    expect(cli('sh')).toEqual(['provider agent: command sh is not an executable file on PATH']);
    expect(cli('sh', '/nonexistent')).toEqual(['provider agent: command sh is not an executable file on PATH']);
    // Present but not runnable: a directory, a file without the execute bit.
    expect(cli('/usr/bin')).toEqual(['provider agent: command /usr/bin is not an executable file']);
    expect(cli('/etc/passwd')).toEqual(['provider agent: command /etc/passwd is not an executable file']);
  });

  it('reports every problem of every provider, and a cli command that cannot be run', () => {
    const settings = loadProviderSettings({
      PATH: '/usr/bin:/bin',
      OZ_PROVIDER_KIMI_MODEL: 'k',
      OZ_PROVIDER_SHELL_TYPE: 'cli',
      OZ_PROVIDER_SHELL_CLI_CMD: 'sh',
      OZ_PROVIDER_GHOST_TYPE: 'cli',
      OZ_PROVIDER_GHOST_CLI_CMD: '/nonexistent/agent',
    });
    expect(providerProblems(settings)).toEqual([
      'provider kimi: OZ_PROVIDER_KIMI_BASE_URL is required for openai_compatible providers',
      'provider ghost: command /nonexistent/agent is not an executable file',
    ]);
  });
});

describe('modelPicksRoute', () => {
  const settings = loadProviderSettings({ ...http('zai'), ...http('my_llm') });

  it.each([
    ['zai', true],
    ['zai/glm-4.6', true],
    ['MY_LLM', true],
    ['claude-sonnet-4-5', true],
    ['gpt-5.5', true],
    ['gemini-2.5-pro', true],
    ['my-gateway-model', false],
    ['nobody/model', false],
    ['', false],
  ])('%s → %s', (model, picks) => {
    expect(modelPicksRoute(settings, model)).toBe(picks);
  });
});
