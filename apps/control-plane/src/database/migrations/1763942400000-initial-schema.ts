import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs, environments and schedules. Every list filter of `GET /agent/runs` has an index that ends in the
 * cursor order (created_at DESC, id DESC), so a filtered page is an index range scan, not a sort.
 */
export class InitialSchema1763942400000 implements MigrationInterface {
  name = 'InitialSchema1763942400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await db.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY,
        tenant_key text NOT NULL,
        creator_uid text NOT NULL,
        title text NOT NULL,
        prompt text NOT NULL,
        state text NOT NULL CONSTRAINT runs_state_check
          CHECK (state IN ('QUEUED','PENDING','CLAIMED','INPROGRESS','SUCCEEDED','FAILED','CANCELLED')),
        source text NOT NULL,
        environment_id uuid,
        model_id text,
        config_name text,
        skill_spec text,
        worker_host text,
        schedule_id uuid,
        schedule jsonb,
        scheduled_for timestamptz(3),
        conversation_id text,
        team boolean NOT NULL DEFAULT false,
        agent_config jsonb NOT NULL DEFAULT '{}',
        images jsonb,
        artifacts jsonb NOT NULL DEFAULT '[]',
        session_link text,
        status_message text,
        idempotency_key text,
        request_fingerprint text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        completed_at timestamptz(3)
      )`);
    await db.query(`CREATE INDEX runs_created_idx ON runs (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX runs_tenant_created_idx ON runs (tenant_key, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX runs_tenant_state_idx ON runs (tenant_key, state, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX runs_state_idx ON runs (state, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX runs_tenant_source_idx ON runs (tenant_key, source, created_at DESC, id DESC)`);
    // Tenant first: a tenant's filtered page is then one index range in cursor order, whatever other
    // tenants hold. (The admin's cross-tenant filtered lists fall back to runs_created_idx.)
    for (const [name, column] of [
      ['runs_tenant_environment_idx', 'environment_id'],
      ['runs_tenant_model_idx', 'model_id'],
      ['runs_tenant_config_name_idx', 'config_name'],
      ['runs_tenant_skill_spec_idx', 'skill_spec'],
    ]) {
      await db.query(
        `CREATE INDEX ${name} ON runs (tenant_key, ${column}, created_at DESC, id DESC) WHERE ${column} IS NOT NULL`,
      );
    }
    // Which unfinished runs still need an environment (deleting it is refused while any do).
    await db.query(
      `CREATE INDEX runs_unfinished_environment_idx ON runs (environment_id)
        WHERE environment_id IS NOT NULL AND state IN ('QUEUED','PENDING','CLAIMED','INPROGRESS')`,
    );
    await db.query(
      `CREATE INDEX runs_schedule_idx ON runs (schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL`,
    );
    await db.query(`CREATE INDEX runs_creator_idx ON runs (creator_uid, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX runs_tenant_updated_idx ON runs (tenant_key, updated_at)`);
    await db.query(`CREATE INDEX runs_artifacts_idx ON runs USING gin (artifacts jsonb_path_ops)`);
    // Few runs have artifacts; these small partial indexes give a tenant's artifact filter cursor order.
    for (const type of ['PULL_REQUEST', 'PLAN']) {
      await db.query(
        `CREATE INDEX runs_tenant_${type.toLowerCase()}_idx ON runs (tenant_key, created_at DESC, id DESC)
          WHERE artifacts @> '[{"artifact_type":"${type}"}]'::jsonb`,
      );
    }
    await db.query(
      `CREATE INDEX runs_search_idx ON runs USING gin ((title || ' ' || prompt || ' ' || coalesce(skill_spec, '')) gin_trgm_ops)`,
    );
    await db.query(
      `CREATE UNIQUE INDEX runs_idempotency_key_idx ON runs (tenant_key, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await db.query(
      `CREATE UNIQUE INDEX runs_schedule_slot_idx ON runs (schedule_id, scheduled_for) WHERE scheduled_for IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX runs_retention_idx ON runs (completed_at) WHERE state IN ('SUCCEEDED','FAILED','CANCELLED')`,
    );

    await db.query(`
      CREATE TABLE environments (
        id uuid PRIMARY KEY,
        tenant_key text NOT NULL,
        name text NOT NULL,
        description text,
        docker_image text NOT NULL,
        repos jsonb NOT NULL DEFAULT '[]',
        setup_commands jsonb NOT NULL DEFAULT '[]',
        env_var_names jsonb NOT NULL DEFAULT '[]',
        env_vars_ciphertext text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX environments_tenant_name_idx ON environments (tenant_key, name)`);

    await db.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY,
        tenant_key text NOT NULL,
        creator_uid text NOT NULL,
        name text NOT NULL,
        cron_schedule text NOT NULL,
        prompt text NOT NULL,
        agent_config jsonb NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL,
        team boolean NOT NULL DEFAULT false,
        next_run_at timestamptz(3),
        last_ran_at timestamptz(3),
        last_spawn_error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // One sealed known value: proves at start-up that the configured secrets key is the one in use.
    await db.query(`CREATE TABLE secrets_key_check (id int PRIMARY KEY CHECK (id = 1), sealed text NOT NULL)`);

    await db.query(`CREATE INDEX schedules_tenant_name_idx ON schedules (tenant_key, name, id)`);
    await db.query(`CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE secrets_key_check`);
    await db.query(`DROP TABLE schedules`);
    await db.query(`DROP TABLE environments`);
    await db.query(`DROP TABLE runs`);
  }
}
