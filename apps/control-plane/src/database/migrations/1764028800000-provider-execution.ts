import { PROVIDER_QUOTA_SCHEMA_V1 } from '@oz/providers';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUN_CANCELLED_CHANNEL, RUN_QUEUED_CHANNEL } from '../channels';

/**
 * In-process execution of provider runs: what a run was answered by and with, the lease an executor
 * holds on it, and when a run waiting for a provider slot may be tried again. Plus the provider
 * quota tables, and notifications that wake executors the moment a run is queued or cancelled.
 */
export class ProviderExecution1764028800000 implements MigrationInterface {
  name = 'ProviderExecution1764028800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE runs
        ADD COLUMN output text,
        ADD COLUMN provider_key text,
        ADD COLUMN provider_type text,
        ADD COLUMN provider_model text,
        ADD COLUMN lease_owner text,
        ADD COLUMN lease_expires_at timestamptz(3),
        ADD COLUMN lease_recoveries integer NOT NULL DEFAULT 0,
        ADD COLUMN available_at timestamptz(3),
        ADD COLUMN saturated_since timestamptz(3)
    `);
    // Only unfinished provider runs are in it, so it stays small however many runs the table holds.
    await db.query(`
      CREATE INDEX runs_executor_queue_idx ON runs (created_at)
      WHERE environment_id IS NULL AND state IN ('QUEUED','INPROGRESS')
    `);

    await db.query(`
      CREATE FUNCTION oz_notify_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          IF NEW.state = 'QUEUED' THEN PERFORM pg_notify('${RUN_QUEUED_CHANNEL}', NEW.id::text); END IF;
        ELSIF NEW.state = 'CANCELLED' AND OLD.state <> 'CANCELLED' THEN
          PERFORM pg_notify('${RUN_CANCELLED_CHANNEL}', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$
    `);
    await db.query(`
      CREATE TRIGGER runs_notify_changes AFTER INSERT OR UPDATE OF state ON runs
      FOR EACH ROW EXECUTE FUNCTION oz_notify_run_changes()
    `);

    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.up) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.down) await db.query(statement);
    await db.query(`DROP TRIGGER runs_notify_changes ON runs`);
    await db.query(`DROP FUNCTION oz_notify_run_changes()`);
    await db.query(`DROP INDEX runs_executor_queue_idx`);
    await db.query(`
      ALTER TABLE runs
        DROP COLUMN output, DROP COLUMN provider_key, DROP COLUMN provider_type, DROP COLUMN provider_model,
        DROP COLUMN lease_owner, DROP COLUMN lease_expires_at, DROP COLUMN lease_recoveries,
        DROP COLUMN available_at, DROP COLUMN saturated_since
    `);
  }
}
