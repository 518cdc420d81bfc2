import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSecrets {
  adminApiKey: string;
  secretsKey: string;
  /** The workspace's X-Agent-Key for external agents (AGENT_API_KEY, or generated and kept). */
  agentApiKey: string;
  /** Where a generated admin key is kept; undefined when it came from the environment. */
  adminKeyFile: string | undefined;
}

/**
 * Keys the environment does not provide are generated once and kept under dataDir, so restarts
 * keep the same admin key and can still decrypt the environment secrets stored earlier.
 */
export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const adminKeyFile = join(dataDir, 'admin-key');
  const fromEnv = process.env['OZ_ADMIN_API_KEY'];
  const generateAdminKey = () => `oz_admin_${randomBytes(32).toString('base64url')}`;
  return {
    adminApiKey: fromEnv || (await persistedSecret(adminKeyFile, generateAdminKey)),
    adminKeyFile: fromEnv ? undefined : adminKeyFile,
    secretsKey:
      process.env['OZ_SECRETS_KEY'] ||
      (await persistedSecret(join(dataDir, 'secrets-key'), () => randomBytes(32).toString('base64'))),
    agentApiKey:
      process.env['AGENT_API_KEY'] || (await persistedSecret(join(dataDir, 'agent-key'), () => `oz_agent_${randomBytes(32).toString('base64url')}`)),
  };
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
