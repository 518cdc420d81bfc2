import { REDACTED_SECRET, type AmbientAgentConfig, type McpServerConfig } from '@oz/contract';
import { ApiException } from '@oz/server-kit';

/** The secret part of a config's MCP servers: each server's `headers` and `env` values, by server name. */
export type McpSecrets = Record<string, { headers?: Record<string, string>; env?: Record<string, string> }>;

const SECRET_MAPS = ['headers', 'env'] as const;

/**
 * Takes the secrets out of a config: the config to store and show, with every MCP header and env value
 * replaced by "<redacted>" (the names stay, so a reader sees what is set), and the secrets to seal
 * (null when there are none).
 */
export function withoutMcpSecrets(config: AmbientAgentConfig): { config: AmbientAgentConfig; secrets: McpSecrets | null } {
  if (!config.mcp_servers) return { config, secrets: null };
  const secrets: McpSecrets = {};
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, server] of Object.entries(config.mcp_servers)) {
    const shown: McpServerConfig = { ...server };
    for (const map of SECRET_MAPS) {
      const values = server[map];
      if (!values || Object.keys(values).length === 0) continue;
      (secrets[name] ??= {})[map] = { ...values };
      shown[map] = Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED_SECRET]));
    }
    servers[name] = shown;
  }
  return { config: { ...config, mcp_servers: servers }, secrets: Object.keys(secrets).length ? secrets : null };
}

/** The config a worker gets: the stored one with its sealed secrets put back. */
export function withMcpSecrets(config: AmbientAgentConfig, secrets: McpSecrets | null): AmbientAgentConfig {
  if (!secrets || !config.mcp_servers) return config;
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, server] of Object.entries(config.mcp_servers)) {
    const restored: McpServerConfig = { ...server };
    for (const map of SECRET_MAPS) {
      const values = secrets[name]?.[map];
      if (values && server[map]) restored[map] = { ...server[map], ...values };
    }
    servers[name] = restored;
  }
  return { ...config, mcp_servers: servers };
}

/**
 * A "<redacted>" value in a request keeps the stored value of that key (a client sending back what it
 * read); one with nothing stored behind it is refused, naming the field. `field` is the config's path
 * in the request (`config`, `agent_config`).
 */
export function keepRedactedMcpSecrets(field: string, secrets: McpSecrets | null, stored: McpSecrets | null): McpSecrets | null {
  if (!secrets) return null;
  const kept: McpSecrets = {};
  for (const [name, maps] of Object.entries(secrets)) {
    for (const map of SECRET_MAPS) {
      const values = maps[map];
      if (!values) continue;
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(values)) {
        if (value !== REDACTED_SECRET) out[key] = value;
        else if (stored?.[name]?.[map]?.[key] !== undefined) out[key] = stored[name][map][key];
        else {
          const path = `${field}.mcp_servers.${name}.${map}.${key}`;
          throw ApiException.badRequest(`${path} is "${REDACTED_SECRET}" but no stored value exists to keep; send the value itself`, [
            { field: path, message: `"${REDACTED_SECRET}" names no stored value` },
          ]);
        }
      }
      (kept[name] ??= {})[map] = out;
    }
  }
  return kept;
}
