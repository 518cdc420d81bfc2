import { Injectable } from '@nestjs/common';
import { Sql } from '../core/sql';

export interface TenantRow {
  user_id: string;
  is_admin: boolean;
  email: string;
  /** Null until the user first uses the control-plane views. */
  token_sealed: string | null;
  registered_at: Date | null;
}

/** The SQL of each user's control-plane tenant (`control_plane_tenants`), and whether they are the instance admin. */
@Injectable()
export class ControlPlaneTenantsRepository {
  constructor(private readonly db: Sql) {}

  /** The user with their tenant, if they have one yet; null for an unknown user. */
  find(userId: string): Promise<TenantRow | null> {
    return this.db.row<TenantRow>(
      `SELECT u.id AS user_id, u.is_admin, u.email, t.token_sealed, t.registered_at
         FROM users u LEFT JOIN control_plane_tenants t ON t.user_id = u.id
        WHERE u.id = $1`,
      [userId],
    );
  }

  /** Stores a first token; when another request (or replica) stored one meanwhile, theirs stays. */
  async insert(userId: string, tokenSealed: string): Promise<void> {
    await this.db.rows(`INSERT INTO control_plane_tenants (user_id, token_sealed) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`, [userId, tokenSealed]);
  }

  async markRegistered(userId: string, keyId: string | null): Promise<void> {
    await this.db.rows(`UPDATE control_plane_tenants SET registered_at = now(), key_id = coalesce($2, key_id) WHERE user_id = $1`, [userId, keyId]);
  }

  /** Users who are the instance admin (their channel also carries the workers' presence). */
  async isAdmin(userId: string): Promise<boolean> {
    return (await this.db.row<{ is_admin: boolean }>(`SELECT is_admin FROM users WHERE id = $1`, [userId]))?.is_admin ?? false;
  }
}
