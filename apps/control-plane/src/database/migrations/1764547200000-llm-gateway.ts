import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUN_ACTIVITY_CHANNEL } from '../channels';

/**
 * The LLM gateway, the task report routes and live logs.
 * - Task tokens are looked up by their hash on every gateway call and report: a unique index (two
 *   runs never share a token).
 * - `runs.request_usage`: what the run's task asked of the gateway, in all and per provider, added
 *   to by `oz_add_request_usage` in the same statement as the call is counted (no read-modify-write).
 * - `provider_request_usage`: the same per provider and hour, for the admin's provider view.
 * - `oz_run_activity`: a notification when log lines are added to a run (once per statement and run)
 *   and when a run ends, so live log streams on any replica wake at once.
 * - `runs.pending_since`: when a worker run began waiting for a worker (its creation, or its return to
 *   the queue after a lost worker), for OZ_PENDING_TIMEOUT_SECONDS.
 */
export class LlmGateway1764547200000 implements MigrationInterface {
  name = 'LlmGateway1764547200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE UNIQUE INDEX runs_task_token_hash_idx ON runs (task_token_hash) WHERE task_token_hash IS NOT NULL`);
    await db.query(`ALTER TABLE runs ADD COLUMN request_usage jsonb, ADD COLUMN pending_since timestamptz(3) NOT NULL DEFAULT now()`);
    await db.query(`
      CREATE FUNCTION oz_add_request_usage(usage jsonb, p_provider text, p_calls integer, p_failed integer, p_input bigint, p_output bigint)
        RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
        WITH base AS (SELECT coalesce(usage, '{}'::jsonb) AS u),
             mine AS (SELECT coalesce(u -> 'providers' -> p_provider, '{}'::jsonb) AS p FROM base)
        SELECT jsonb_build_object(
          'calls', coalesce((u ->> 'calls')::bigint, 0) + p_calls,
          'failed_calls', coalesce((u ->> 'failed_calls')::bigint, 0) + p_failed,
          'input_tokens', coalesce((u ->> 'input_tokens')::bigint, 0) + p_input,
          'output_tokens', coalesce((u ->> 'output_tokens')::bigint, 0) + p_output,
          'providers', coalesce(u -> 'providers', '{}'::jsonb) || jsonb_build_object(p_provider, jsonb_build_object(
            'calls', coalesce((p ->> 'calls')::bigint, 0) + p_calls,
            'failed_calls', coalesce((p ->> 'failed_calls')::bigint, 0) + p_failed,
            'input_tokens', coalesce((p ->> 'input_tokens')::bigint, 0) + p_input,
            'output_tokens', coalesce((p ->> 'output_tokens')::bigint, 0) + p_output)))
        FROM base, mine
      $$
    `);
    await db.query(`
      CREATE TABLE provider_request_usage (
        provider_key text NOT NULL,
        hour timestamptz NOT NULL,
        calls bigint NOT NULL DEFAULT 0,
        failed_calls bigint NOT NULL DEFAULT 0,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (provider_key, hour)
      )
    `);
    await db.query(`
      CREATE FUNCTION oz_notify_run_logs() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${RUN_ACTIVITY_CHANNEL}', run_id::text) FROM (SELECT DISTINCT run_id FROM added) AS runs_with_lines;
        RETURN NULL;
      END $$
    `);
    await db.query(`
      CREATE TRIGGER run_logs_notify AFTER INSERT ON run_logs REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION oz_notify_run_logs()
    `);
    await db.query(`
      CREATE FUNCTION oz_notify_run_ended() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${RUN_ACTIVITY_CHANNEL}', NEW.id::text);
        RETURN NULL;
      END $$
    `);
    await db.query(`
      CREATE TRIGGER runs_notify_ended AFTER UPDATE OF state ON runs
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('SUCCEEDED', 'FAILED', 'CANCELLED'))
      EXECUTE FUNCTION oz_notify_run_ended()
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER runs_notify_ended ON runs`);
    await db.query(`DROP FUNCTION oz_notify_run_ended()`);
    await db.query(`DROP TRIGGER run_logs_notify ON run_logs`);
    await db.query(`DROP FUNCTION oz_notify_run_logs()`);
    await db.query(`DROP TABLE provider_request_usage`);
    await db.query(`DROP FUNCTION oz_add_request_usage(jsonb, text, integer, integer, bigint, bigint)`);
    await db.query(`ALTER TABLE runs DROP COLUMN request_usage, DROP COLUMN pending_since`);
    await db.query(`DROP INDEX runs_task_token_hash_idx`);
  }
}
