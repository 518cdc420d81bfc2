import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's `task_env` (variables for its task container, such as a workspace room's callback URL and
 * token), sealed like its MCP secrets: `runs.task_env_ciphertext`, opened only for the worker
 * assignment; `agent_config.task_env` keeps the names, each value "<redacted>".
 */
export class RunTaskEnv1764806400000 implements MigrationInterface {
  name = 'RunTaskEnv1764806400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runs ADD COLUMN task_env_ciphertext text`);
  }

  async down(db: QueryRunner): Promise<void> {
    // The sealed values go with the column; runs keep the redacted names in agent_config.
    await db.query(`ALTER TABLE runs DROP COLUMN task_env_ciphertext`);
  }
}
