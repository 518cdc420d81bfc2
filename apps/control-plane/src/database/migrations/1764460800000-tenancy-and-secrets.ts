import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Same pattern as `redactUrlCredentials` (@oz/server-kit, secrets/redaction.ts): a URL's user-info, up
 * to the last "@" before its host, never across "/", "?", "#", white space, quotes, angle brackets or a
 * backslash. Written for PostgreSQL's regular expressions, inside an SQL string (the quote doubled, the
 * backslash escaped for the bracket expression).
 */
const URL_USER_INFO = `([A-Za-z][A-Za-z0-9+.-]*://)[^[:space:]/?#"''<>\`\\\\]*@`;

/**
 * Registered tenancy and secrets at rest.
 * - `credentials`: tenant keys and worker tokens the admin issues, stored as sha256 of the token (for a
 *   tenant key that hash is the tenant key, as it always was); revoked ones stay, so they keep failing.
 * - `runs.status_detail`: why a run failed, in full, for the admin only (`status_message` is what the
 *   tenant is told).
 * - MCP server headers/env of runs and schedules, and repository URLs with credentials of environments,
 *   sealed beside the row (`*_ciphertext`); the JSON columns keep "<redacted>" in their place.
 * - Triggers that take credentials out of URLs in every run text stored (log lines, output, status),
 *   whoever writes it; existing rows are cleaned once here.
 * - `maintenance_done`: one-off jobs the app runs at start-up, when they need the secrets key (sealing
 *   what older versions stored in the clear, see SecretsUpgrade), so each runs once.
 */
export class TenancyAndSecrets1764460800000 implements MigrationInterface {
  name = 'TenancyAndSecrets1764460800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE credentials (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        token_hash text NOT NULL,
        name text,
        worker_id text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3),
        CONSTRAINT credentials_kind_check CHECK (kind IN ('tenant', 'worker')),
        CONSTRAINT credentials_subject_check CHECK (
          (kind = 'tenant' AND name IS NOT NULL AND worker_id IS NULL) OR (kind = 'worker' AND worker_id IS NOT NULL AND name IS NULL))
      )
    `);
    // Every request with a token looks it up here.
    await db.query(`CREATE UNIQUE INDEX credentials_token_hash_idx ON credentials (token_hash)`);
    await db.query(`CREATE INDEX credentials_active_idx ON credentials (kind, created_at) WHERE revoked_at IS NULL`);

    await db.query(`ALTER TABLE runs ADD COLUMN status_detail text, ADD COLUMN mcp_secrets_ciphertext text`);
    await db.query(`ALTER TABLE schedules ADD COLUMN mcp_secrets_ciphertext text`);
    await db.query(`ALTER TABLE environments ADD COLUMN repos_ciphertext text`);
    await db.query(`CREATE TABLE maintenance_done (name text PRIMARY KEY, done_at timestamptz(3) NOT NULL DEFAULT now())`);

    await db.query(`
      CREATE FUNCTION oz_redact_url_credentials(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN value IS NULL OR strpos(value, '://') = 0 THEN value
                    ELSE regexp_replace(value, '${URL_USER_INFO}', '\\1***@', 'g') END
      $$
    `);
    await db.query(`
      CREATE FUNCTION oz_redact_run_log_line() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.line := oz_redact_url_credentials(NEW.line);
        RETURN NEW;
      END $$
    `);
    await db.query(`
      CREATE TRIGGER run_logs_redact_credentials BEFORE INSERT OR UPDATE OF line ON run_logs
      FOR EACH ROW EXECUTE FUNCTION oz_redact_run_log_line()
    `);
    await db.query(`
      CREATE FUNCTION oz_redact_run_text() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.output := oz_redact_url_credentials(NEW.output);
        NEW.status_message := oz_redact_url_credentials(NEW.status_message);
        NEW.status_detail := oz_redact_url_credentials(NEW.status_detail);
        RETURN NEW;
      END $$
    `);
    await db.query(`
      CREATE TRIGGER runs_redact_credentials BEFORE INSERT OR UPDATE OF output, status_message, status_detail ON runs
      FOR EACH ROW EXECUTE FUNCTION oz_redact_run_text()
    `);
    // What was stored before: rewritten once (the triggers do the work).
    await db.query(`UPDATE run_logs SET line = line WHERE line ~ '${URL_USER_INFO}'`);
    await db.query(`UPDATE runs SET output = output WHERE output ~ '${URL_USER_INFO}' OR status_message ~ '${URL_USER_INFO}'`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Redacted text stays redacted; sealed secrets are opened back into their columns by no one, so
    // migrate down only before any were sealed (or accept losing them).
    await db.query(`DROP TRIGGER runs_redact_credentials ON runs`);
    await db.query(`DROP TRIGGER run_logs_redact_credentials ON run_logs`);
    await db.query(`DROP FUNCTION oz_redact_run_text()`);
    await db.query(`DROP FUNCTION oz_redact_run_log_line()`);
    await db.query(`DROP FUNCTION oz_redact_url_credentials(text)`);
    await db.query(`DROP TABLE maintenance_done`);
    await db.query(`ALTER TABLE environments DROP COLUMN repos_ciphertext`);
    await db.query(`ALTER TABLE schedules DROP COLUMN mcp_secrets_ciphertext`);
    await db.query(`ALTER TABLE runs DROP COLUMN status_detail, DROP COLUMN mcp_secrets_ciphertext`);
    await db.query(`DROP TABLE credentials`);
  }
}
