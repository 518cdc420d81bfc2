import { hasUrlCredentials, redactUrlCredentials } from '@oz/server-kit';
import { Injectable, Logger } from '@nestjs/common';
import type { AmbientAgentConfig } from '@oz/contract';
import type { Pool, PoolClient } from 'pg';
import { InjectPool } from '../../database/pg-pool';
import { withoutMcpSecrets } from './mcp-secrets';
import { SecretBox, secretContext } from './secret-box';

/** This job's name in `maintenance_done`: it runs once per database. */
const JOB = 'seal-legacy-secrets-2026-12';
/** Another advisory lock than the migrations': replicas starting together do the job once. */
const UPGRADE_LOCK = 7_302_118_002;
const BATCH = 500;

/**
 * Seals, once, what earlier versions stored in the clear or sealed without associated data: the
 * environments' env_vars (re-sealed for their row), repository URLs with credentials, and the MCP
 * headers/env of runs and schedules. Needs the secrets key, so it runs at start-up after the
 * migrations (a migration has no key), under a lock, and records that it is done.
 */
@Injectable()
export class SecretsUpgrade {
  private readonly logger = new Logger('secrets');

  constructor(
    @InjectPool() private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  async run(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [UPGRADE_LOCK]);
      try {
        const { rows } = await client.query(`SELECT 1 FROM maintenance_done WHERE name = $1`, [JOB]);
        if (rows.length) return;
        const sealed = {
          environments: await this.environments(client),
          runs: await this.configs(client, 'runs'),
          schedules: await this.configs(client, 'schedules'),
        };
        await client.query(`INSERT INTO maintenance_done (name) VALUES ($1) ON CONFLICT DO NOTHING`, [JOB]);
        this.logger.log(sealed, 'secrets.upgraded');
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [UPGRADE_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  private async environments(client: PoolClient): Promise<number> {
    let changed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const { rows } = await client.query<{ id: string; repos: string[]; env_vars_ciphertext: string | null; repos_ciphertext: string | null }>(
        `SELECT id, repos, env_vars_ciphertext, repos_ciphertext FROM environments WHERE id > $1 ORDER BY id LIMIT $2`,
        [after, BATCH],
      );
      for (const row of rows) {
        const envVars =
          row.env_vars_ciphertext && !this.box.isCurrent(row.env_vars_ciphertext)
            ? this.box.seal(this.box.open(row.env_vars_ciphertext, ''), secretContext('environments', 'env_vars', row.id))
            : row.env_vars_ciphertext;
        const reposSealed =
          !row.repos_ciphertext && row.repos.some(hasUrlCredentials)
            ? this.box.seal(JSON.stringify(row.repos), secretContext('environments', 'repos', row.id))
            : row.repos_ciphertext;
        if (envVars === row.env_vars_ciphertext && reposSealed === row.repos_ciphertext) continue;
        await client.query(`UPDATE environments SET env_vars_ciphertext = $2, repos = $3::jsonb, repos_ciphertext = $4 WHERE id = $1`, [
          row.id,
          envVars,
          JSON.stringify(row.repos.map(redactUrlCredentials)),
          reposSealed,
        ]);
        changed++;
      }
      if (rows.length < BATCH) return changed;
      after = rows[rows.length - 1].id;
    }
  }

  private async configs(client: PoolClient, table: 'runs' | 'schedules'): Promise<number> {
    let changed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      // Table names are this method's two literals, never input.
      const { rows } = await client.query<{ id: string; agent_config: AmbientAgentConfig }>(
        `SELECT id, agent_config FROM ${table}
         WHERE id > $1 AND mcp_secrets_ciphertext IS NULL AND agent_config ? 'mcp_servers'
         ORDER BY id LIMIT $2`,
        [after, BATCH],
      );
      for (const row of rows) {
        const { config, secrets } = withoutMcpSecrets(row.agent_config);
        if (!secrets) continue;
        await client.query(`UPDATE ${table} SET agent_config = $2::jsonb, mcp_secrets_ciphertext = $3 WHERE id = $1`, [
          row.id,
          JSON.stringify(config),
          this.box.seal(JSON.stringify(secrets), secretContext(table, 'mcp_secrets', row.id)),
        ]);
        changed++;
      }
      if (rows.length < BATCH) return changed;
      after = rows[rows.length - 1].id;
    }
  }
}
