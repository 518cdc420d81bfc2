import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents' secrets sealed at rest, and what the caps on agent runs count.
 * - `agents.secrets`: MCP server header and env values and a repository URL's credentials, sealed
 *   with OZ_SECRETS_KEY (AES-256-GCM, the agent's id in the associated data); the visible columns keep
 *   only redacted forms. Values stored in the clear before this are sealed at start-up.
 * - `secrets_key_check`: one value sealed with the key, so a server started with another key refuses
 *   to start instead of failing on every secret.
 * - `agent_runs.root_message_id`: the person's message a chain of replies started from (the runs per
 *   message cap); `refused`: a run that was never started, kept only to tell the room why.
 */
export class AgentSecretsAndRunBudget1764720000000 implements MigrationInterface {
  name = 'AgentSecretsAndRunBudget1764720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agents ADD COLUMN secrets text`);
    await db.query(`CREATE TABLE secrets_key_check (
      id integer PRIMARY KEY CHECK (id = 1),
      sealed text NOT NULL
    )`);

    await db.query(`ALTER TABLE agent_runs ADD COLUMN root_message_id uuid`);
    await db.query(`ALTER TABLE agent_runs ADD COLUMN refused boolean NOT NULL DEFAULT false`);
    await db.query(`WITH RECURSIVE chain (id, root) AS (
        SELECT id, trigger_message_id FROM agent_runs WHERE parent_run_id IS NULL
        UNION ALL
        SELECT r.id, c.root FROM agent_runs r JOIN chain c ON r.parent_run_id = c.id
      )
      UPDATE agent_runs a SET root_message_id = chain.root FROM chain WHERE a.id = chain.id`);
    await db.query(`CREATE INDEX agent_runs_root_message_idx ON agent_runs (root_message_id) WHERE root_message_id IS NOT NULL`);
    await db.query(`CREATE INDEX agent_runs_user_active_idx ON agent_runs (user_id) WHERE state IN ('QUEUED', 'INPROGRESS')`);
    // Login attempts are now counted per account and per address under new keys; old counts go.
    await db.query(`DELETE FROM login_failures`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX agent_runs_user_active_idx`);
    await db.query(`DROP INDEX agent_runs_root_message_idx`);
    await db.query(`ALTER TABLE agent_runs DROP COLUMN refused`);
    await db.query(`ALTER TABLE agent_runs DROP COLUMN root_message_id`);
    await db.query(`DROP TABLE secrets_key_check`);
    // The sealed values go with the column: agents keep their redacted forms only.
    await db.query(`ALTER TABLE agents DROP COLUMN secrets`);
  }
}
