/**
 * Provider configuration, read once from the environment. A provider key (`claude`, `glm`, `my_llm`)
 * is declared by any `OZ_PROVIDER_<KEY>_<SETTING>` variable; the settings below are the only ones
 * recognised, so a typo is reported instead of silently ignored.
 */

import { parseBooleanWord } from '@oz/server-kit';
import { CLI_SANDBOX_KINDS, type CliSandbox } from './clients/cli-sandbox';

export const PROVIDER_TYPES = ['openai_compatible', 'anthropic', 'gemini', 'cli'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** The harness a run asks for; each has a default provider key (see HARNESS_DEFAULTS). */
export const HARNESSES = ['claude-code', 'codex', 'glm', 'kimi', 'gemini-cli', 'custom'] as const;
export type Harness = (typeof HARNESSES)[number];

/** The seed's defaults: the provider key each harness uses first, and that key's type when unset. */
export const HARNESS_DEFAULTS: Readonly<Record<Harness, { providerKey: string; type: ProviderType }>> = {
  'claude-code': { providerKey: 'claude', type: 'anthropic' },
  codex: { providerKey: 'codex', type: 'openai_compatible' },
  glm: { providerKey: 'glm', type: 'openai_compatible' },
  kimi: { providerKey: 'kimi', type: 'openai_compatible' },
  'gemini-cli': { providerKey: 'gemini', type: 'openai_compatible' },
  custom: { providerKey: 'custom', type: 'openai_compatible' },
};

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export interface CliCommand {
  command: string;
  args: string[];
  /**
   * The command's whole environment: a few basics (PATH, locale) plus the variables named in
   * `_CLI_PASS_ENV`, read at start-up. Never the control plane's own secrets. HOME and TMPDIR are the
   * call's own folder.
   */
  env: Record<string, string>;
  /** OZ_CLI_SANDBOX: how the command is kept from seeing the host. */
  sandbox: CliSandbox;
}

export interface ProviderDefinition {
  key: string;
  type: ProviderType;
  /** The model sent to the provider (for `cli`, given to the command as OZ_MODEL and `{model}`). */
  model: string;
  baseUrl: string | null;
  apiKey: string | null;
  /** Rolling-window quota: at most `limit` calls in any `windowSeconds`; null = unlimited. */
  quota: { limit: number; windowSeconds: number } | null;
  /** Whole call, from request to last byte. */
  timeoutMs: number;
  /** Longest silence allowed: before the response starts and between streamed chunks. */
  idleTimeoutMs: number;
  maxTokens: number;
  stream: boolean;
  cli: CliCommand | null;
  /** Why this provider cannot be used; empty when it can. */
  problems: string[];
}

export interface ProviderSettings {
  providers: ReadonlyMap<string, ProviderDefinition>;
  /** Tried after a harness's own provider, in this order. */
  fallbackOrder: string[];
  /** `OZ_PROVIDER_FALLBACK_ORDER_<HARNESS>` replaces the global order for that harness. */
  fallbackOrderByHarness: ReadonlyMap<Harness, string[]>;
  queueOnSaturation: boolean;
  queueMaxWaitMs: number;
  defaultHarness: Harness;
  /** OZ_STARTUP_VALIDATE_PROVIDERS: refuse to start while any configured provider has a problem. */
  validateOnStartup: boolean;
  /** OZ_VALIDATE_HARNESSES: harnesses that must resolve to a usable provider at start-up. */
  harnessesToValidate: string[];
}

/** Problems that make the whole configuration unusable, whatever OZ_STARTUP_VALIDATE_PROVIDERS says. */
export class ProviderSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid provider configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const SETTINGS = [
  'TYPE',
  'MODEL',
  'BASE_URL',
  'API_KEY',
  'MSG_LIMIT',
  'WINDOW_SECONDS',
  'TIMEOUT_SECONDS',
  'IDLE_TIMEOUT_SECONDS',
  'MAX_TOKENS',
  'STREAM',
  'CLI_CMD',
  'CLI_ARGS',
  'CLI_PASS_ENV',
] as const;
type Setting = (typeof SETTINGS)[number];

/** Variables under OZ_PROVIDER_ that are not `<KEY>_<SETTING>`. */
const GLOBAL_VARIABLES = ['OZ_PROVIDER_FALLBACK_ORDER'];
const FALLBACK_PREFIX = 'OZ_PROVIDER_FALLBACK_ORDER_';
// Longest settings first, so `…_CLI_PASS_ENV` is not read as key `…_cli_pass` + `ENV`.
const SETTING_PATTERN = new RegExp(`^OZ_PROVIDER_([A-Z0-9_]+?)_(${[...SETTINGS].sort((a, b) => b.length - a.length).join('|')})$`);
const KEY_PATTERN = /^[a-z0-9][a-z0-9_]*$/;

/** Where a provider type's requests go when its BASE_URL is not set (openai_compatible has no default). */
const DEFAULT_BASE_URLS: Partial<Record<ProviderType, string>> = {
  anthropic: DEFAULT_ANTHROPIC_BASE_URL,
  gemini: DEFAULT_GEMINI_BASE_URL,
};

const DEFAULT_TIMEOUT_SECONDS = 600;
const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;
const DEFAULT_MAX_TOKENS = 4096;
export const DEFAULT_QUEUE_MAX_WAIT_SECONDS = 300;

/** What any command needs to run at all; everything else must be passed on by name (HOME and TMPDIR are per call). */
const CLI_BASE_ENV = ['PATH', 'USER', 'LANG', 'LC_ALL', 'TZ'];

export function loadProviderSettings(env: Record<string, string | undefined>): ProviderSettings {
  const fatal: string[] = [];
  const raw = new Map<string, Partial<Record<Setting, string>>>();
  const fallbackByHarness = new Map<Harness, string[]>();

  for (const [name, rawValue] of Object.entries(env)) {
    const value = rawValue?.trim();
    if (!name.startsWith('OZ_PROVIDER_') || !value || GLOBAL_VARIABLES.includes(name)) continue;
    if (name.startsWith(FALLBACK_PREFIX)) {
      const harness = harnessFromVariableSuffix(name.slice(FALLBACK_PREFIX.length));
      if (harness) fallbackByHarness.set(harness, keyList(value));
      else fatal.push(`${name}: no harness is called ${name.slice(FALLBACK_PREFIX.length)} (harnesses: ${HARNESSES.join(', ')})`);
      continue;
    }
    const match = SETTING_PATTERN.exec(name);
    if (!match) {
      fatal.push(`${name} is not a provider setting; use OZ_PROVIDER_<KEY>_<SETTING> with SETTING one of ${SETTINGS.join(', ')}`);
      continue;
    }
    const key = (match[1] as string).toLowerCase();
    raw.set(key, { ...raw.get(key), [match[2] as Setting]: value });
  }

  const sandbox = cliSandboxFrom(env, fatal);
  const providers = new Map<string, ProviderDefinition>();
  for (const [key, settings] of raw) providers.set(key, defineProvider(key, settings, env, sandbox));

  const fallbackOrder = keyList(env['OZ_PROVIDER_FALLBACK_ORDER'] ?? '');
  for (const [label, order] of [['OZ_PROVIDER_FALLBACK_ORDER', fallbackOrder], ...[...fallbackByHarness].map(([h, o]) => [`fallback order of ${h}`, o] as const)] as const) {
    const unknown = order.filter((key) => !providers.has(key));
    if (unknown.length) fatal.push(`${label} names providers that are not configured: ${unknown.join(', ')}`);
  }

  const queueOnSaturation = parseBoolean(env['OZ_QUEUE_ON_SATURATION'], true, 'OZ_QUEUE_ON_SATURATION', fatal);
  const validateOnStartup = parseBoolean(env['OZ_STARTUP_VALIDATE_PROVIDERS'], false, 'OZ_STARTUP_VALIDATE_PROVIDERS', fatal);
  const maxWaitSeconds = parseNumber(env['OZ_QUEUE_MAX_WAIT_SECONDS'], DEFAULT_QUEUE_MAX_WAIT_SECONDS, 'OZ_QUEUE_MAX_WAIT_SECONDS', fatal, 0);
  const defaultHarnessName = (env['OZ_DEFAULT_HARNESS']?.trim() || 'custom').toLowerCase();
  const defaultHarness = HARNESSES.find((h) => h === defaultHarnessName);
  if (!defaultHarness) fatal.push(`OZ_DEFAULT_HARNESS must be one of ${HARNESSES.join(', ')}`);

  if (fatal.length) throw new ProviderSettingsError(fatal);
  return {
    providers,
    fallbackOrder,
    fallbackOrderByHarness: fallbackByHarness,
    queueOnSaturation,
    queueMaxWaitMs: maxWaitSeconds * 1000,
    defaultHarness: defaultHarness ?? 'custom',
    validateOnStartup,
    harnessesToValidate: keyList(env['OZ_VALIDATE_HARNESSES'] ?? ''),
  };
}

/** OZ_CLI_SANDBOX (bubblewrap, the default, or none) and OZ_CLI_SANDBOX_READ_ONLY_PATHS (absolute folders the sandbox also shows). */
function cliSandboxFrom(env: Record<string, string | undefined>, fatal: string[]): CliSandbox {
  const kindText = (env['OZ_CLI_SANDBOX']?.trim() || 'bubblewrap').toLowerCase();
  const kind = CLI_SANDBOX_KINDS.find((k) => k === kindText);
  if (!kind) fatal.push(`OZ_CLI_SANDBOX must be one of ${CLI_SANDBOX_KINDS.join(', ')} (got "${env['OZ_CLI_SANDBOX']}")`);
  const readOnlyPaths = keyList(env['OZ_CLI_SANDBOX_READ_ONLY_PATHS'] ?? '', false);
  for (const path of readOnlyPaths) {
    if (!path.startsWith('/') || path.split('/').includes('..')) fatal.push(`OZ_CLI_SANDBOX_READ_ONLY_PATHS must list absolute folders (got "${path}")`);
    else if (path.replace(/\/+$/, '') === '') fatal.push('OZ_CLI_SANDBOX_READ_ONLY_PATHS may not show the whole filesystem ("/"); name the folders the command needs');
  }
  return kind === 'none' ? { kind } : { kind: 'bubblewrap', readOnlyPaths };
}

function defineProvider(
  key: string,
  s: Partial<Record<Setting, string>>,
  env: Record<string, string | undefined>,
  sandbox: CliSandbox,
): ProviderDefinition {
  const problems: string[] = [];
  const name = (setting: Setting) => `OZ_PROVIDER_${key.toUpperCase()}_${setting}`;
  if (!KEY_PATTERN.test(key)) problems.push(`provider key "${key}" must be letters, digits and underscores`);

  const harnessDefault = Object.values(HARNESS_DEFAULTS).find((d) => d.providerKey === key);
  const typeText = s.TYPE?.toLowerCase() ?? harnessDefault?.type ?? 'openai_compatible';
  const type = PROVIDER_TYPES.find((t) => t === typeText);
  if (!type) {
    // Nothing else can be judged without knowing what kind of provider this is.
    problems.push(`${name('TYPE')} must be one of ${PROVIDER_TYPES.join(', ')} (got "${s.TYPE}")`);
    return { ...UNUSABLE, key, model: s.MODEL ?? '', problems };
  }

  const model = s.MODEL ?? (type === 'cli' ? 'default' : '');
  if (!model) problems.push(`${name('MODEL')} is required for ${type} providers`);

  let baseUrl: string | null = s.BASE_URL?.replace(/\/+$/, '') ?? DEFAULT_BASE_URLS[type] ?? null;
  if (type === 'openai_compatible' && !baseUrl) problems.push(`${name('BASE_URL')} is required for openai_compatible providers`);
  if (baseUrl && !isHttpUrl(baseUrl)) {
    problems.push(`${name('BASE_URL')} must be an http(s) URL`);
    baseUrl = null;
  }
  if (type === 'anthropic' && !s.API_KEY && baseUrl === DEFAULT_ANTHROPIC_BASE_URL) {
    problems.push(`${name('API_KEY')} is required to call Anthropic's API`);
  }
  if (type === 'gemini' && !s.API_KEY && baseUrl === DEFAULT_GEMINI_BASE_URL) {
    problems.push(`${name('API_KEY')} is required to call Google's Gemini API`);
  }

  const limit = s.MSG_LIMIT === undefined ? undefined : parseNumber(s.MSG_LIMIT, 0, name('MSG_LIMIT'), problems, 1, true);
  const windowSeconds =
    s.WINDOW_SECONDS === undefined ? undefined : parseNumber(s.WINDOW_SECONDS, 0, name('WINDOW_SECONDS'), problems, 1);
  if ((limit === undefined) !== (windowSeconds === undefined)) {
    problems.push(`${name('MSG_LIMIT')} and ${name('WINDOW_SECONDS')} go together: set both for a quota, or neither`);
  }

  let cli: CliCommand | null = null;
  if (type === 'cli') {
    if (!s.CLI_CMD) problems.push(`${name('CLI_CMD')} is required for cli providers`);
    const args = parseArgs(s.CLI_ARGS, name('CLI_ARGS'), problems);
    const names = [...CLI_BASE_ENV, ...keyList(s.CLI_PASS_ENV ?? '', false)];
    const cliEnv = Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n] as string]])));
    cli = { command: s.CLI_CMD ?? '', args, env: cliEnv, sandbox };
  } else if (s.CLI_CMD || s.CLI_ARGS || s.CLI_PASS_ENV) {
    problems.push(`${name('CLI_CMD')}, _CLI_ARGS and _CLI_PASS_ENV apply only to cli providers (this one is ${type})`);
  }

  return {
    key,
    type,
    model,
    baseUrl,
    apiKey: s.API_KEY ?? null,
    quota: limit && windowSeconds ? { limit, windowSeconds } : null,
    timeoutMs: parseNumber(s.TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS, name('TIMEOUT_SECONDS'), problems, 0.001) * 1000,
    idleTimeoutMs:
      parseNumber(s.IDLE_TIMEOUT_SECONDS, DEFAULT_IDLE_TIMEOUT_SECONDS, name('IDLE_TIMEOUT_SECONDS'), problems, 0.001) * 1000,
    maxTokens: parseNumber(s.MAX_TOKENS, DEFAULT_MAX_TOKENS, name('MAX_TOKENS'), problems, 1, true),
    stream: parseBoolean(s.STREAM, true, name('STREAM'), problems),
    cli,
    problems,
  };
}

/** The fields of a provider that cannot be used at all; only its key, model and problems matter. */
const UNUSABLE: Omit<ProviderDefinition, 'key' | 'model' | 'problems'> = {
  type: 'openai_compatible',
  baseUrl: null,
  apiKey: null,
  quota: null,
  timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_SECONDS * 1000,
  maxTokens: DEFAULT_MAX_TOKENS,
  stream: true,
  cli: null,
};

function harnessFromVariableSuffix(suffix: string): Harness | undefined {
  return HARNESSES.find((h) => h.toUpperCase().replace(/[^A-Z0-9]/g, '_') === suffix);
}

/** Comma-separated list; provider keys are lower-cased, duplicates dropped. */
function keyList(value: string, lowerCase = true): string[] {
  const items = value
    .split(',')
    .map((item) => (lowerCase ? item.trim().toLowerCase() : item.trim()))
    .filter(Boolean);
  return [...new Set(items)];
}

function parseBoolean(value: string | undefined, fallback: boolean, name: string, problems: string[]): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = parseBooleanWord(value);
  if (parsed !== undefined) return parsed;
  problems.push(`${name} must be true or false (got "${value}")`);
  return fallback;
}

function parseNumber(value: string | undefined, fallback: number, name: string, problems: string[], min: number, integer = false): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  // A count (MSG_LIMIT, MAX_TOKENS) must be whole: the quota function takes an integer, providers too.
  if (!Number.isFinite(number) || number < min || (integer && !Number.isInteger(number))) {
    problems.push(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min} (got "${value}")`);
    return fallback;
  }
  return number;
}

/** A JSON array of strings, or words separated by spaces (no quoting: use JSON for arguments with spaces). */
function parseArgs(value: string | undefined, name: string, problems: string[]): string[] {
  if (!value) return [];
  if (!value.startsWith('[')) return value.split(/\s+/).filter(Boolean);
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
  } catch {
    // reported below
  }
  problems.push(`${name} must be a JSON array of strings, or space-separated words`);
  return [];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
