import type { Pool } from 'pg';

/**
 * The quota tables and their one function, as the first migration that needs them creates them. The
 * name carries the version: a later change becomes a new constant and a new migration, never an edit.
 *
 * A use is one row, stamped when a provider call is made; a provider's window holds the rows younger
 * than `window_seconds`, so the quota is a true rolling window. Reserving a slot takes a per-provider
 * advisory lock, so concurrent runs on any number of replicas never take more than the limit.
 */
export const PROVIDER_QUOTA_SCHEMA_V1 = {
  up: [
    `CREATE TABLE provider_quota_uses (
      id bigserial PRIMARY KEY,
      provider_key text NOT NULL,
      used_at timestamptz NOT NULL,
      run_id uuid
    )`,
    `CREATE INDEX provider_quota_uses_window_idx ON provider_quota_uses (provider_key, used_at)`,
    // A provider that answered 429 is avoided until the time it gave (or a default pause).
    `CREATE TABLE provider_blocks (
      provider_key text PRIMARY KEY,
      blocked_until timestamptz NOT NULL,
      reason text NOT NULL
    )`,
    `CREATE FUNCTION oz_reserve_provider_slot(p_key text, p_limit integer, p_window_seconds double precision, p_run_id uuid, p_at timestamptz)
      RETURNS TABLE (use_id bigint, used integer, next_free_at timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_now timestamptz;
        v_used integer := 0;
        v_blocked timestamptz;
        v_next timestamptz;
        v_id bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('oz.provider-quota:' || p_key, 0));
        -- Read the clock after the lock: a caller that waited for it must not stamp an older time.
        v_now := coalesce(p_at, clock_timestamp());
        SELECT b.blocked_until INTO v_blocked FROM provider_blocks b WHERE b.provider_key = p_key AND b.blocked_until > v_now;
        IF p_limit IS NOT NULL THEN
          DELETE FROM provider_quota_uses u WHERE u.provider_key = p_key AND u.used_at <= v_now - make_interval(secs => p_window_seconds);
          SELECT count(*) INTO v_used FROM provider_quota_uses u WHERE u.provider_key = p_key;
          IF v_used >= p_limit THEN
            -- The slot that frees first: when enough of the oldest uses have left the window.
            SELECT u.used_at + make_interval(secs => p_window_seconds) INTO v_next
              FROM provider_quota_uses u WHERE u.provider_key = p_key
              ORDER BY u.used_at OFFSET v_used - p_limit LIMIT 1;
          END IF;
        END IF;
        IF v_blocked IS NOT NULL OR v_next IS NOT NULL THEN
          RETURN QUERY SELECT NULL::bigint, v_used, greatest(v_blocked, v_next);
          RETURN;
        END IF;
        IF p_limit IS NOT NULL THEN
          INSERT INTO provider_quota_uses (provider_key, used_at, run_id) VALUES (p_key, v_now, p_run_id) RETURNING id INTO v_id;
          v_used := v_used + 1;
        ELSE
          v_id := 0;
        END IF;
        RETURN QUERY SELECT v_id, v_used, NULL::timestamptz;
      END $$`,
  ],
  down: [
    'DROP FUNCTION oz_reserve_provider_slot(text, integer, double precision, uuid, timestamptz)',
    'DROP TABLE provider_blocks',
    'DROP TABLE provider_quota_uses',
  ],
};

export type Reservation =
  | { reserved: true; useId: string | null; used: number }
  | { reserved: false; used: number; nextFreeAt: Date };

export interface QuotaUsage {
  used: number;
  nextFreeAt: Date | null;
  blockedUntil: Date | null;
  blockReason: string | null;
}

export interface QuotaLimits {
  limit: number;
  windowSeconds: number;
}

/** Provider quotas and blocks in PostgreSQL, shared by every replica. */
export class QuotaStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Takes one slot of the provider's window for a call about to be made, or says when one frees.
   * Without limits only a 429 block can refuse. `at` replaces the database clock (tests).
   */
  async reserve(providerKey: string, limits: QuotaLimits | null, runId: string | null, at?: Date): Promise<Reservation> {
    const { rows } = await this.pool.query<{ use_id: string | null; used: number; next_free_at: Date | null }>(
      'SELECT * FROM oz_reserve_provider_slot($1, $2, $3, $4, $5)',
      [providerKey, limits?.limit ?? null, limits?.windowSeconds ?? null, runId, at ?? null],
    );
    const row = rows[0];
    if (!row) throw new Error('oz_reserve_provider_slot returned no row');
    if (row.next_free_at) return { reserved: false, used: row.used, nextFreeAt: row.next_free_at };
    return { reserved: true, useId: row.use_id === '0' ? null : row.use_id, used: row.used };
  }

  /** Gives a slot back when the call it was taken for was never made (the run was cancelled first). */
  async release(useId: string): Promise<void> {
    await this.pool.query('DELETE FROM provider_quota_uses WHERE id = $1', [useId]);
  }

  /** Keeps every replica off a provider until `until` (a 429's Retry-After); a later block wins. */
  async block(providerKey: string, until: Date, reason: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO provider_blocks (provider_key, blocked_until, reason) VALUES ($1, $2, $3)
       ON CONFLICT (provider_key) DO UPDATE
         SET blocked_until = greatest(provider_blocks.blocked_until, excluded.blocked_until),
             -- The reason goes with the block that wins, not with a shorter one that came later.
             reason = CASE WHEN excluded.blocked_until >= provider_blocks.blocked_until THEN excluded.reason ELSE provider_blocks.reason END`,
      [providerKey, until, reason],
    );
  }

  /** Every provider resting after a 429, and until when. */
  async activeBlocks(): Promise<Map<string, Date>> {
    const { rows } = await this.pool.query<{ provider_key: string; blocked_until: Date }>(
      'SELECT provider_key, blocked_until FROM provider_blocks WHERE blocked_until > clock_timestamp()',
    );
    return new Map(rows.map((row) => [row.provider_key, row.blocked_until]));
  }

  /** The window as it stands now, for operators. */
  async usage(providerKey: string, limits: QuotaLimits | null, at?: Date): Promise<QuotaUsage> {
    const { rows } = await this.pool.query<{
      used: number;
      next_free_at: Date | null;
      blocked_until: Date | null;
      reason: string | null;
    }>(
      `WITH now AS (SELECT coalesce($4::timestamptz, clock_timestamp()) AS t),
            uses AS (
              SELECT u.used_at FROM provider_quota_uses u, now
              WHERE $2::integer IS NOT NULL AND u.provider_key = $1 AND u.used_at > now.t - make_interval(secs => $3)
            )
       SELECT (SELECT count(*)::integer FROM uses) AS used,
              (SELECT used_at + make_interval(secs => $3) FROM uses ORDER BY used_at
                 OFFSET greatest((SELECT count(*) FROM uses) - $2, 0) LIMIT 1) AS next_free_at,
              b.blocked_until, b.reason
       FROM now LEFT JOIN provider_blocks b ON b.provider_key = $1 AND b.blocked_until > now.t`,
      [providerKey, limits?.limit ?? null, limits?.windowSeconds ?? null, at ?? null],
    );
    const row = rows[0];
    const full = limits !== null && row !== undefined && row.used >= limits.limit;
    return {
      used: row?.used ?? 0,
      nextFreeAt: full ? (row?.next_free_at ?? null) : null,
      blockedUntil: row?.blocked_until ?? null,
      blockReason: row?.reason ?? null,
    };
  }
}
