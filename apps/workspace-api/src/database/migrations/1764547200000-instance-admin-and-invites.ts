import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instance admin and invites. The first account is the admin (signup decides it under a lock, so
 * two first signups cannot both win); an existing instance's oldest account becomes its admin here.
 * Invites are single-use: only the SHA-256 of the token is kept, and using one is a conditional UPDATE.
 */
export class InstanceAdminAndInvites1764547200000 implements MigrationInterface {
  name = 'InstanceAdminAndInvites1764547200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false`);
    await db.query(`UPDATE users SET is_admin = true WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1)`);

    await db.query(`CREATE TABLE invites (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      email text,
      created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      used_by uuid REFERENCES users (id) ON DELETE SET NULL
    )`);
    await db.query(`CREATE INDEX invites_created_idx ON invites (created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE invites`);
    await db.query(`ALTER TABLE users DROP COLUMN is_admin`);
  }
}
