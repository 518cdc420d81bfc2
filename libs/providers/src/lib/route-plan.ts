import { cliCommandProblem } from './clients/cli';
import { cliSandboxProblem } from './clients/cli-sandbox';
import { HARNESS_DEFAULTS, loadProviderSettings, ProviderSettingsError, type Harness, type ProviderDefinition, type ProviderSettings } from './provider-settings';

/** What a run asks for: the SDK's `config.model_id` and `config.harness.type`. */
export interface RouteSelector {
  modelId?: string | null;
  harnessType?: string | null;
  /** Skips the harness rules (start-up checks and the workspace's agents name the harness directly). */
  harness?: Harness;
}

export interface Candidate {
  provider: ProviderDefinition;
  /** The model to send: the provider's own, unless the run named one as `<key>/<model>`. */
  model: string;
}

export interface RoutePlan {
  harness: Harness;
  /** Providers in the order they are tried; unusable ones are already left out. */
  candidates: Candidate[];
  /** Why providers of this route were left out (config problems), for a clear failure message. */
  skipped: string[];
}

/** `model_id` words that pick a harness, tried in this order (case-insensitive substring). */
const MODEL_HINTS: ReadonlyArray<[string, Harness]> = [
  ['claude', 'claude-code'],
  ['codex', 'codex'],
  ['gpt', 'codex'],
  ['glm', 'glm'],
  ['kimi', 'kimi'],
  ['gemini', 'gemini-cli'],
];

/** The SDK's `harness.type` values. `oz` is Warp's own agent: it takes the default harness here. */
const HARNESS_TYPES: Readonly<Record<string, Harness | undefined>> = {
  claude: 'claude-code',
  codex: 'codex',
  gemini: 'gemini-cli',
  oz: undefined,
};

/**
 * Which providers a run may use, in order. The rules (documented in the README):
 * 1. `model_id` equal to a configured provider key uses that provider first, with its model;
 *    `<key>/<model>` does the same but sends `<model>`.
 * 2. Otherwise the harness comes from `harness.type`, else from words in `model_id` (claude, codex,
 *    gpt, glm, kimi, gemini), else OZ_DEFAULT_HARNESS; the harness's default provider goes first.
 * 3. Then the harness's fallback order (OZ_PROVIDER_FALLBACK_ORDER_<HARNESS>, else the global one).
 */
export function planRoute(settings: ProviderSettings, selector: RouteSelector): RoutePlan {
  const modelId = selector.modelId?.trim() ?? '';
  const explicit = explicitProvider(settings, modelId);
  const harness = selector.harness ?? harnessFor(settings, selector.harnessType, modelId);
  const order = [
    explicit?.key ?? HARNESS_DEFAULTS[harness].providerKey,
    ...(settings.fallbackOrderByHarness.get(harness) ?? settings.fallbackOrder),
  ];

  const candidates: Candidate[] = [];
  const skipped: string[] = [];
  for (const key of new Set(order)) {
    const provider = settings.providers.get(key);
    if (!provider) continue;
    if (provider.problems.length) {
      skipped.push(`${key}: ${provider.problems.join('; ')}`);
      continue;
    }
    candidates.push({ provider, model: key === explicit?.key && explicit.model ? explicit.model : provider.model });
  }
  return { harness, candidates, skipped };
}

/**
 * Whether a model id decides a route by itself: it names a configured provider (`glm`, `glm/glm-4.6`)
 * or carries a harness word (claude, codex, gpt, glm, kimi, gemini). Otherwise a caller may fall back
 * to what it knows besides (the LLM gateway: the run's own config).
 */
export function modelPicksRoute(settings: ProviderSettings, modelId: string): boolean {
  const trimmed = modelId.trim();
  if (!trimmed) return false;
  const lower = trimmed.toLowerCase();
  return explicitProvider(settings, trimmed) !== undefined || MODEL_HINTS.some(([word]) => lower.includes(word));
}

function explicitProvider(settings: ProviderSettings, modelId: string): { key: string; model?: string } | undefined {
  const slash = modelId.indexOf('/');
  const key = (slash < 0 ? modelId : modelId.slice(0, slash)).toLowerCase();
  if (!key || !settings.providers.has(key)) return undefined;
  const model = slash < 0 ? undefined : modelId.slice(slash + 1).trim();
  return { key, model: model || undefined };
}

function harnessFor(settings: ProviderSettings, harnessType: string | null | undefined, modelId: string): Harness {
  const fromType = harnessType ? HARNESS_TYPES[harnessType.toLowerCase()] : undefined;
  if (fromType) return fromType;
  const lower = modelId.toLowerCase();
  return MODEL_HINTS.find(([word]) => lower.includes(word))?.[1] ?? settings.defaultHarness;
}

/** Start-up check for OZ_VALIDATE_HARNESSES: each named harness must reach a usable provider. */
export function harnessProblems(settings: ProviderSettings): string[] {
  const problems: string[] = [];
  for (const name of settings.harnessesToValidate) {
    const harness = (Object.keys(HARNESS_DEFAULTS) as Harness[]).find((h) => h === name);
    if (!harness) {
      problems.push(`OZ_VALIDATE_HARNESSES names "${name}", which is not a harness (${Object.keys(HARNESS_DEFAULTS).join(', ')})`);
      continue;
    }
    const plan = planRoute(settings, { harness });
    if (!plan.candidates.length) {
      const hint = `set OZ_PROVIDER_${HARNESS_DEFAULTS[harness].providerKey.toUpperCase()}_MODEL (and its other settings) or a fallback order`;
      problems.push(`harness ${harness} has no usable provider: ${plan.skipped.join('; ') || hint}`);
    }
  }
  return problems;
}

/** Every configured provider's problems, for OZ_STARTUP_VALIDATE_PROVIDERS. */
export function providerProblems(settings: ProviderSettings): string[] {
  return [...settings.providers.values()].flatMap((p) => {
    const problems = [...p.problems];
    const missingCommand = p.cli?.command ? cliCommandProblem(p.cli.command, p.cli.env['PATH']) : null;
    if (missingCommand) problems.push(missingCommand);
    const sandboxProblem = p.cli?.command && !missingCommand ? cliSandboxProblem(p.cli.sandbox, p.cli.command, p.cli.env['PATH']) : null;
    if (sandboxProblem) problems.push(sandboxProblem);
    return problems.map((problem) => `provider ${p.key}: ${problem}`);
  });
}

/**
 * Provider settings with the start-up checks every server applies: malformed settings always stop the
 * start; a provider missing something only does with OZ_STARTUP_VALIDATE_PROVIDERS=true (otherwise it
 * is skipped, and named in the failure of any run that needed it); OZ_VALIDATE_HARNESSES, when set,
 * must name harnesses that reach a usable provider. Problems are added to `problems`; undefined when
 * the settings could not be read at all.
 */
export function loadCheckedProviderSettings(env: Record<string, string | undefined>, problems: string[]): ProviderSettings | undefined {
  let settings: ProviderSettings;
  try {
    settings = loadProviderSettings(env);
  } catch (error) {
    if (!(error instanceof ProviderSettingsError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
  if (settings.validateOnStartup) problems.push(...providerProblems(settings));
  problems.push(...harnessProblems(settings));
  return settings;
}
