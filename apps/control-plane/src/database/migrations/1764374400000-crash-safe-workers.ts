import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crash-safe workers and task time limits. Each assignment of a worker run is an execution with its
 * own id (messages from an older execution's container change nothing), attempts are counted, a run's
 * lease is renewed either by the runs its worker reports (our worker) or by the worker's presence (the
 * official worker, which cannot report them), the control plane remembers where its copy of a task's
 * log ends (a restarted worker reads on from there) and when the execution's time is up. Environments
 * may set their tasks' time limit.
 */
export class CrashSafeWorkers1764374400000 implements MigrationInterface {
  name = 'CrashSafeWorkers1764374400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE runs
        ADD COLUMN execution_id uuid,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN lease_reported boolean NOT NULL DEFAULT false,
        ADD COLUMN log_cursor text,
        ADD COLUMN timeout_at timestamptz(3)
    `);
    await db.query(`
      ALTER TABLE environments
        ADD COLUMN task_timeout_seconds integer,
        ADD CONSTRAINT environments_task_timeout_check CHECK (task_timeout_seconds > 0)
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE environments DROP CONSTRAINT environments_task_timeout_check, DROP COLUMN task_timeout_seconds`);
    await db.query(`
      ALTER TABLE runs
        DROP COLUMN execution_id,
        DROP COLUMN attempts,
        DROP COLUMN lease_reported,
        DROP COLUMN log_cursor,
        DROP COLUMN timeout_at
    `);
  }
}
