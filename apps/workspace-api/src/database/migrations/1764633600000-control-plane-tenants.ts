import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each user's own control-plane tenant: the bearer token the workspace generated for them, sealed
 * with OZ_SECRETS_KEY (AES-256-GCM, the row's user id as associated data), and when the control plane
 * was told about it (`registered_at`, `key_id`: only needed under registered tenancy). One row per
 * user, made on their first use of the control-plane views; it goes with the user.
 */
export class ControlPlaneTenants1764633600000 implements MigrationInterface {
  name = 'ControlPlaneTenants1764633600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE control_plane_tenants (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      token_sealed text NOT NULL,
      key_id text,
      registered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE control_plane_tenants`);
  }
}
