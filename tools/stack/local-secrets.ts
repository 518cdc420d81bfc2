import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSecrets {
  adminApiKey: string;
  secretsKey: string;
  /** The workspace's own OZ_SECRETS_KEY (agents' secrets, users' control-plane tokens): not the control plane's. */
  workspaceSecretsKey: string;
  /** The workspace's X-Agent-Key for external agents (AGENT_API_KEY, or generated and kept). */
  agentApiKey: string;
  /** Where a generated admin key is kept; undefined when it came from the environment. */
  adminKeyFile: string | undefined;
  /** The local worker's token, bound to its worker id (OZ_WORKER_TOKENS): workers never get the admin key. */
  localWorkerToken: string;
  localWorkerTokenFile: string;
  /** The files under dataDir that hold generated keys, by what they are (for the banner). */
  files: string[];
}

/**
 * Keys the environment does not provide are generated once and kept under dataDir, so restarts
 * keep the same admin key and can still decrypt the environment secrets stored earlier.
 */
export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const files: string[] = [];
  /** The value from the environment, else the one kept in `name` under dataDir (generated the first time). */
  const secret = async (variable: string | null, name: string, generate: () => string) => {
    const fromEnv = variable ? process.env[variable] : undefined;
    if (fromEnv) return fromEnv;
    files.push(name);
    return persistedSecret(join(dataDir, name), generate);
  };
  const base64Key = () => randomBytes(32).toString('base64');
  const adminFromEnv = process.env['OZ_ADMIN_API_KEY'];
  return {
    adminApiKey: await secret('OZ_ADMIN_API_KEY', 'admin-key', () => `oz_admin_${randomBytes(32).toString('base64url')}`),
    adminKeyFile: adminFromEnv ? undefined : join(dataDir, 'admin-key'),
    secretsKey: await secret('OZ_SECRETS_KEY', 'secrets-key', base64Key),
    workspaceSecretsKey: await secret('OZ_WORKSPACE_SECRETS_KEY', 'workspace-secrets-key', base64Key),
    agentApiKey: await secret('AGENT_API_KEY', 'agent-key', () => `oz_agent_${randomBytes(32).toString('base64url')}`),
    localWorkerToken: await secret(null, 'worker-token', () => `oz_worker_${randomBytes(32).toString('base64url')}`),
    localWorkerTokenFile: join(dataDir, 'worker-token'),
    files,
  };
}

/**
 * A tenant key for trying the API, issued by the control plane's admin API the first time and kept
 * in dataDir; issued again when the kept one no longer works (revoked, or a new database).
 */
export async function provideTenantKey(dataDir: string, apiBaseUrl: string, adminApiKey: string): Promise<{ token: string; file: string; issued: boolean }> {
  const file = join(dataDir, 'tenant-key');
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept && (await isIssued(apiBaseUrl, adminApiKey, kept))) {
    return { token: kept, file, issued: false };
  }
  const response = await fetch(`${apiBaseUrl}/admin/tenant-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'npm start' }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 201) throw new Error(`issuing a tenant key answered ${response.status}: ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, file, issued: true };
}

/** Whether `token` is an issued, unrevoked tenant key (under open tenancy any token works, so asking the API with it would not tell). */
async function isIssued(apiBaseUrl: string, adminApiKey: string, token: string): Promise<boolean> {
  const response = await fetch(`${apiBaseUrl}/admin/tenant-keys`, { headers: { authorization: `Bearer ${adminApiKey}` }, signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`listing tenant keys answered ${response.status}: ${await response.text()}`);
  const { tenant_keys } = (await response.json()) as { tenant_keys: Array<{ tenant: string }> };
  const tenant = `tenant_${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
  return tenant_keys.some((key) => key.tenant === tenant);
}

async function persistedSecret(file: string, generate: () => string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  if (existing.trim()) return existing.trim();

  const value = generate();
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // mode above only applies when the file is new
  return value;
}
