import { loadProviderSettings, planRoute } from '@oz/providers';
import { AGENT_HARNESSES } from '@oz/workspace-contract';
import { localSelector } from './local-runner';
import { harnessConfig, OFFICIAL_HARNESS_TYPE } from './run-config';

const http = (key: string) => ({ [`OZ_PROVIDER_${key.toUpperCase()}_MODEL`]: `${key}-model`, [`OZ_PROVIDER_${key.toUpperCase()}_BASE_URL`]: 'http://127.0.0.1:9/v1' });

describe('an agent’s harness and model in its runs’ config', () => {
  it.each([
    ['claude-code', null, { harness: { type: 'claude' } }],
    ['claude-code', 'claude-sonnet-4-5', { harness: { type: 'claude' }, model_id: 'claude-sonnet-4-5' }],
    // The bug this replaced: model_id "codex" and no harness.type, so a worker ran `claude --model codex`.
    ['codex', null, { harness: { type: 'codex' } }],
    ['codex', 'gpt-5-codex', { harness: { type: 'codex' }, model_id: 'gpt-5-codex' }],
    ['gemini-cli', 'gemini-2.5-pro', { harness: { type: 'gemini' }, model_id: 'gemini-2.5-pro' }],
    ['oz', null, { harness: { type: 'oz' } }],
    // No official type: the harness's name routes (its provider key or word), the model when set.
    ['glm', null, { model_id: 'glm' }],
    ['kimi', 'kimi-k2', { model_id: 'kimi-k2' }],
    ['custom', null, { model_id: 'custom' }],
    ['custom', 'my_llm/big-model', { model_id: 'my_llm/big-model' }],
  ])('%s with model %s → %j', (harness, model, expected) => {
    expect(harnessConfig({ harness, model })).toEqual(expected);
  });

  it('names an official type for exactly the harnesses that have one', () => {
    expect(AGENT_HARNESSES.filter((h) => OFFICIAL_HARNESS_TYPE[h] !== null)).toEqual(['claude-code', 'codex', 'gemini-cli', 'oz']);
  });

  /**
   * The control plane routes a run by `model_id` and `harness.type` (the same @oz/providers rules);
   * the local runner by the agent's harness and model. For these agents both pick the same providers,
   * in the same order, with the same models.
   */
  describe('leads the control plane to the providers the local runner picks', () => {
    const settings = loadProviderSettings({
      ...http('claude'),
      ...http('codex'),
      ...http('gemini'),
      ...http('glm'),
      ...http('kimi'),
      ...http('custom'),
      ...http('my_llm'),
      ...http('backup'),
      OZ_PROVIDER_FALLBACK_ORDER: 'backup',
      OZ_PROVIDER_FALLBACK_ORDER_CLAUDE_CODE: 'my_llm',
      OZ_PROVIDER_FALLBACK_ORDER_CODEX: 'claude',
    });
    const plan = (selector: Parameters<typeof planRoute>[1]) => planRoute(settings, selector).candidates.map((c) => `${c.provider.key}:${c.model}`);

    const agents: Array<[string, string | null]> = [
      ...AGENT_HARNESSES.map((harness): [string, string | null] => [harness, null]),
      ...AGENT_HARNESSES.flatMap((harness): Array<[string, string | null]> => [
        [harness, 'my_llm'],
        [harness, 'my_llm/big-model'],
      ]),
      ['claude-code', 'claude-opus-4-1'],
      ['claude-code', 'sonnet'],
      ['codex', 'o3'],
      ['codex', 'gpt-5-codex'],
      ['gemini-cli', 'gemini-2.5-pro'],
      ['gemini-cli', 'flash'],
      ['glm', 'glm-4.6'],
      ['kimi', 'kimi-k2'],
      ['custom', 'llama3'],
      ['oz', 'claude-sonnet-4-5'],
    ];

    it.each(agents)('%s with model %s', (harness, model) => {
      const config = harnessConfig({ harness, model });
      expect(plan({ modelId: config.model_id, harnessType: config.harness?.type })).toEqual(plan(localSelector({ harness, model })));
    });
  });
});
