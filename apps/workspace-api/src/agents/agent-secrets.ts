import { ApiException, hasUrlCredentials, REDACTED_SECRET, redactUrlCredentials } from '@oz/server-kit';

/** The parts of an MCP server's settings that are secrets: values of these maps are never shown. */
const SECRET_MAPS = ['headers', 'env'] as const;
type SecretMap = (typeof SECRET_MAPS)[number];

const MAX_SERVERS = 50;
const MAX_NAME = 100;
const MAX_ENTRIES = 100;

/** What an agent keeps sealed (agents.secrets): the values its visible columns show redacted. */
export interface AgentSecrets {
  /** The repository URL with its credentials, when it has any. */
  repo_url?: string;
  /** Per MCP server: its header and env values, and its URL when that carries credentials. */
  mcp?: Record<string, McpSecrets>;
}

interface McpSecrets {
  headers?: Record<string, string>;
  env?: Record<string, string>;
  url?: string;
}

/** What a create or an update says about the secret-bearing fields (undefined: not given). */
export interface SecretFields {
  repo_url?: string | null;
  mcp_servers?: Record<string, unknown>;
}

/** The visible forms of those fields and what is sealed beside them. */
export interface SeparatedSecrets {
  repo_url?: string | null;
  mcp_servers?: Record<string, unknown>;
  secrets: AgentSecrets;
}

/**
 * Separates what an agent shows from what it keeps sealed. Header and env values of MCP servers
 * become `"<redacted>"` and a URL's credentials `***`; the real values go to the secrets. A value
 * sent back as `"<redacted>"` (or a URL as shown) keeps the stored one, so a client can change other
 * settings without knowing the secrets. A field not given keeps its secrets as they were.
 */
export function separateSecrets(input: SecretFields, stored: AgentSecrets): SeparatedSecrets {
  const secrets: AgentSecrets = {};
  const result: SeparatedSecrets = { secrets };

  if (input.repo_url === undefined) {
    if (stored.repo_url !== undefined) secrets.repo_url = stored.repo_url;
  } else if (input.repo_url !== null) {
    const full = keptUrl(input.repo_url, stored.repo_url);
    result.repo_url = redactUrlCredentials(full);
    if (hasUrlCredentials(full)) secrets.repo_url = full;
  } else {
    result.repo_url = null;
  }

  if (input.mcp_servers === undefined) {
    if (stored.mcp) secrets.mcp = stored.mcp;
  } else {
    const { shown, sealed } = separateServers(input.mcp_servers, stored.mcp ?? {});
    result.mcp_servers = shown;
    if (Object.keys(sealed).length) secrets.mcp = sealed;
  }
  return result;
}

/** The MCP servers as a run needs them: the visible settings with their secrets put back. */
export function revealedServers(shown: Record<string, unknown>, secrets: AgentSecrets): Record<string, unknown> {
  const revealed: Record<string, unknown> = {};
  for (const [name, settings] of Object.entries(shown)) {
    const sealed = secrets.mcp?.[name];
    if (!isPlainObject(settings) || !sealed) {
      revealed[name] = settings;
      continue;
    }
    revealed[name] = {
      ...settings,
      ...(sealed.headers ? { headers: sealed.headers } : {}),
      ...(sealed.env ? { env: sealed.env } : {}),
      ...(sealed.url ? { url: sealed.url } : {}),
    };
  }
  return revealed;
}

/**
 * The MCP servers as any response shows them, whatever is stored: no header or env value, no URL
 * credentials (rows written before secrets were sealed are shown this way too).
 */
export function redactedServers(servers: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, settings] of Object.entries(servers)) {
    if (!isPlainObject(settings)) {
      shown[name] = settings;
      continue;
    }
    const copy: Record<string, unknown> = { ...settings };
    for (const map of SECRET_MAPS) {
      const values = copy[map];
      if (isPlainObject(values)) copy[map] = Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED_SECRET]));
    }
    if (typeof copy['url'] === 'string') copy['url'] = redactUrlCredentials(copy['url']);
    shown[name] = copy;
  }
  return shown;
}

/** Whether stored values still sit in the clear (written before secrets were sealed). */
export function holdsPlainSecrets(repoUrl: string | null, servers: Record<string, unknown>): boolean {
  if (repoUrl !== null && hasUrlCredentials(repoUrl)) return true;
  return JSON.stringify(redactedServers(servers)) !== JSON.stringify(servers);
}

export function hasSecrets(secrets: AgentSecrets): boolean {
  return secrets.repo_url !== undefined || secrets.mcp !== undefined;
}

function separateServers(servers: Record<string, unknown>, stored: Record<string, McpSecrets>): { shown: Record<string, unknown>; sealed: Record<string, McpSecrets> } {
  const names = Object.keys(servers);
  if (names.length > MAX_SERVERS) invalid('mcp_servers', `mcp_servers may hold at most ${MAX_SERVERS} servers`);
  const shown: Record<string, unknown> = {};
  const sealed: Record<string, McpSecrets> = {};
  for (const name of names) {
    const field = `mcp_servers.${name}`;
    if (name.length > MAX_NAME) invalid('mcp_servers', `MCP server names must be at most ${MAX_NAME} characters`);
    const settings = servers[name];
    if (!isPlainObject(settings)) invalid(field, `${field} must be an object of settings (url, headers, command, args, env…)`);
    const copy: Record<string, unknown> = { ...settings };
    const secrets: McpSecrets = {};
    for (const map of SECRET_MAPS) {
      if (copy[map] === undefined) continue;
      const values = secretValues(copy[map], `${field}.${map}`, stored[name]?.[map], map);
      copy[map] = Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED_SECRET]));
      secrets[map] = values;
    }
    if (copy['url'] !== undefined) {
      if (typeof copy['url'] !== 'string') invalid(`${field}.url`, `${field}.url must be a string`);
      const full = keptUrl(copy['url'], stored[name]?.url);
      copy['url'] = redactUrlCredentials(full);
      if (hasUrlCredentials(full)) secrets.url = full;
    }
    shown[name] = copy;
    if (Object.keys(secrets).length) sealed[name] = secrets;
  }
  return { shown, sealed };
}

/** A header or env map: strings only; `"<redacted>"` keeps the stored value of that key. */
function secretValues(value: unknown, field: string, stored: Record<string, string> | undefined, map: SecretMap): Record<string, string> {
  if (!isPlainObject(value)) invalid(field, `${field} must be an object of ${map === 'env' ? 'variable' : 'header'} name → string`);
  const entries = Object.entries(value);
  if (entries.length > MAX_ENTRIES) invalid(field, `${field} may hold at most ${MAX_ENTRIES} entries`);
  const values: Record<string, string> = {};
  for (const [key, given] of entries) {
    if (typeof given !== 'string') invalid(`${field}.${key}`, `${field}.${key} must be a string`);
    if (given !== REDACTED_SECRET) {
      values[key] = given;
      continue;
    }
    const kept = stored?.[key];
    if (kept === undefined) {
      invalid(`${field}.${key}`, `${field}.${key} is "${REDACTED_SECRET}", but no value is stored for it: send the value itself`);
    }
    values[key] = kept;
  }
  return values;
}

/** A URL sent back exactly as shown (`https://***@host/…`) stands for the stored one, credentials included. */
function keptUrl(given: string, stored: string | undefined): string {
  return stored !== undefined && given === redactUrlCredentials(stored) ? stored : given;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): never {
  throw ApiException.badRequest(message, [{ field, message }]);
}
