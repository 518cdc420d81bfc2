import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUN_CANCELLED_CHANNEL, RUN_PENDING_CHANNEL, RUN_QUEUED_CHANNEL } from '../channels';

/**
 * Worker mode: which worker a run went to and when, its task token (hashed), the log lines workers
 * send, and which workers are connected to which replica. The notification trigger now also wakes
 * dispatchers when a run becomes PENDING (created, or handed back after a rejection or a lapsed claim).
 */
export class WorkerDispatch1764115200000 implements MigrationInterface {
  name = 'WorkerDispatch1764115200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE runs
        ADD COLUMN worker_id text,
        ADD COLUMN dispatched_at timestamptz(3),
        ADD COLUMN task_token_hash text
    `);
    // Only runs waiting for a worker, or out with one: small, whatever the table's size.
    await db.query(`
      CREATE INDEX runs_dispatch_queue_idx ON runs (created_at)
      WHERE environment_id IS NOT NULL AND state IN ('PENDING','CLAIMED','INPROGRESS')
    `);
    await db.query(`
      CREATE TABLE run_logs (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        line text NOT NULL,
        logged_at timestamptz(3) NOT NULL DEFAULT now()
      )
    `);
    await db.query(`CREATE INDEX run_logs_run_idx ON run_logs (run_id, id)`);
    await db.query(`
      CREATE TABLE worker_connections (
        id uuid PRIMARY KEY,
        worker_id text NOT NULL,
        replica text NOT NULL,
        max_concurrent_tasks integer,
        connected_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3) NOT NULL DEFAULT now()
      )
    `);
    await db.query(`CREATE INDEX worker_connections_worker_idx ON worker_connections (worker_id)`);
    await db.query(`
      CREATE OR REPLACE FUNCTION oz_notify_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          IF NEW.state = 'QUEUED' THEN PERFORM pg_notify('${RUN_QUEUED_CHANNEL}', NEW.id::text); END IF;
          IF NEW.state = 'PENDING' THEN PERFORM pg_notify('${RUN_PENDING_CHANNEL}', NEW.id::text); END IF;
        ELSIF NEW.state = 'CANCELLED' AND OLD.state <> 'CANCELLED' THEN
          PERFORM pg_notify('${RUN_CANCELLED_CHANNEL}', NEW.id::text);
        ELSIF NEW.state = 'PENDING' AND NEW.lease_expires_at IS NULL AND OLD.lease_expires_at IS NOT NULL THEN
          PERFORM pg_notify('${RUN_PENDING_CHANNEL}', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$
    `);
    await db.query(`DROP TRIGGER runs_notify_changes ON runs`);
    await db.query(`
      CREATE TRIGGER runs_notify_changes AFTER INSERT OR UPDATE OF state, lease_expires_at ON runs
      FOR EACH ROW EXECUTE FUNCTION oz_notify_run_changes()
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER runs_notify_changes ON runs`);
    await db.query(`
      CREATE OR REPLACE FUNCTION oz_notify_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await db.query(`DROP TABLE worker_connections`);
    await db.query(`DROP TABLE run_logs`);
    await db.query(`DROP INDEX runs_dispatch_queue_idx`);
    await db.query(`ALTER TABLE runs DROP COLUMN worker_id, DROP COLUMN dispatched_at, DROP COLUMN task_token_hash`);
  }
}
