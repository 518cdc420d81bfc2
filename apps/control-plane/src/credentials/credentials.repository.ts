import { Injectable } from '@nestjs/common';
import { isUniqueViolation, isUuid } from '@oz/server-kit';
import type { Pool } from 'pg';
import { InjectPool } from '../database/pg-pool';

export type CredentialKind = 'tenant' | 'worker';

/** An issued tenant key or worker token, without its token (only the token's sha256 is stored). */
export interface Credential {
  id: string;
  kind: CredentialKind;
  /** sha256 of the token; for a tenant key it is the tenant key its runs, environments and schedules carry. */
  tokenHash: string;
  /** Tenant keys: the admin's label. */
  name: string | null;
  /** Worker tokens: the only worker id the token may connect as. */
  workerId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface CredentialRow {
  id: string;
  kind: CredentialKind;
  token_hash: string;
  name: string | null;
  worker_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, kind, token_hash, name, worker_id, created_at, last_used_at, revoked_at';

/** All SQL about `credentials`. Nothing here caches: a revocation is seen by the next lookup, on every replica. */
@Injectable()
export class CredentialsRepository {
  constructor(@InjectPool() private readonly pool: Pool) {}

  /** Stores a new credential; null when a credential with that token exists already (revoked ones too). */
  async insert(credential: Pick<Credential, 'id' | 'kind' | 'tokenHash' | 'name' | 'workerId'>): Promise<Credential | null> {
    try {
      const { rows } = await this.pool.query<CredentialRow>(
        `INSERT INTO credentials (id, kind, token_hash, name, worker_id) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [credential.id, credential.kind, credential.tokenHash, credential.name, credential.workerId],
      );
      return toCredential(rows[0]);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** The credential of a token, revoked or not. */
  async findByTokenHash(tokenHash: string): Promise<Credential | null> {
    const { rows } = await this.pool.query<CredentialRow>(`SELECT ${COLUMNS} FROM credentials WHERE token_hash = $1`, [tokenHash]);
    return rows[0] ? toCredential(rows[0]) : null;
  }

  /** Credentials of a kind that still work, oldest first. */
  async listActive(kind: CredentialKind): Promise<Credential[]> {
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials WHERE kind = $1 AND revoked_at IS NULL ORDER BY created_at, id`,
      [kind],
    );
    return rows.map(toCredential);
  }

  /** Revokes an active credential of `kind`; false when there is none with that id. */
  async revoke(kind: CredentialKind, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const result = await this.pool.query(`UPDATE credentials SET revoked_at = now() WHERE id = $1 AND kind = $2 AND revoked_at IS NULL`, [id, kind]);
    return result.rowCount === 1;
  }

  async touch(id: string): Promise<void> {
    await this.pool.query(`UPDATE credentials SET last_used_at = now() WHERE id = $1`, [id]);
  }
}

function toCredential(row: CredentialRow): Credential {
  return {
    id: row.id,
    kind: row.kind,
    tokenHash: row.token_hash,
    name: row.name,
    workerId: row.worker_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
