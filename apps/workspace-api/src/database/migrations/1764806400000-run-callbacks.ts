import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room callbacks per run: an agent in a task container posts to its room and board with a token of
 * its run alone.
 * - `agent_runs.callback_token_sha256`: the sha256 of the run's callback token (the token itself is
 *   never stored); it opens the internal agent routes for that run's room while the run is unfinished.
 * - `agent_runs.callback_writes`: writes made with it, against OZ_ROOM_CALLBACK_MAX_WRITES.
 */
export class RunCallbacks1764806400000 implements MigrationInterface {
  name = 'RunCallbacks1764806400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agent_runs ADD COLUMN callback_token_sha256 bytea, ADD COLUMN callback_writes integer NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Tokens of runs still going stop working: their hashes go with the column.
    await db.query(`ALTER TABLE agent_runs DROP COLUMN callback_token_sha256, DROP COLUMN callback_writes`);
  }
}
