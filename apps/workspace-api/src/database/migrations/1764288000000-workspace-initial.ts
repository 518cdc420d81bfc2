import { PROVIDER_QUOTA_SCHEMA_V1 } from '@oz/providers';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The workspace's tables. Every row a user owns hangs off `users` (rooms, agents, notifications) or a
 * room, and is deleted with it. Agent status is not a column: it is derived per room from the agent
 * runs in flight there, so an agent busy in two rooms never overwrites itself.
 */
export class WorkspaceInitial1764288000000 implements MigrationInterface {
  name = 'WorkspaceInitial1764288000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      email text NOT NULL,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Emails are stored lower-cased; the index makes the rule hold even for rows written another way.
    await db.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);

    // The token itself is never stored: only its SHA-256, so a database leak opens no sessions.
    await db.query(`CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`);
    await db.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await db.query(`CREATE INDEX sessions_expiry_idx ON sessions (expires_at)`);

    // Failed logins per key (email + address) in a fixed window, shared by every replica.
    await db.query(`CREATE TABLE login_failures (
      key text PRIMARY KEY,
      window_started_at timestamptz NOT NULL,
      failures integer NOT NULL
    )`);

    await db.query(`CREATE TABLE agents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL,
      color text NOT NULL,
      icon text NOT NULL,
      harness text NOT NULL,
      model text,
      environment_id text,
      system_prompt text NOT NULL DEFAULT '',
      repo_url text,
      skills jsonb NOT NULL DEFAULT '[]',
      mcp_servers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Mentions find agents by name, so one user's agents need distinct names.
    await db.query(`CREATE UNIQUE INDEX agents_user_name_key ON agents (user_id, lower(name))`);

    await db.query(`CREATE TABLE rooms (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      paused boolean NOT NULL DEFAULT false,
      share_id text UNIQUE,
      share_enabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX rooms_user_idx ON rooms (user_id, created_at)`);

    await db.query(`CREATE TABLE room_agents (
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (room_id, agent_id)
    )`);
    await db.query(`CREATE INDEX room_agents_agent_idx ON room_agents (agent_id)`);

    // seq orders a room's history and is the paging cursor: unique, increasing, cheap to compare.
    await db.query(`CREATE TABLE messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigserial NOT NULL UNIQUE,
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      author_type text NOT NULL CHECK (author_type IN ('human', 'agent')),
      author_agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
      run_id uuid,
      content text NOT NULL,
      status text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'streaming', 'error', 'cancelled')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX messages_room_seq_idx ON messages (room_id, seq)`);

    await db.query(`CREATE TABLE tasks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      title text NOT NULL,
      description text NOT NULL DEFAULT '',
      status text NOT NULL CHECK (status IN ('backlog', 'in_progress', 'done')),
      priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
      position integer NOT NULL,
      assignee_agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
      created_by_agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX tasks_room_column_idx ON tasks (room_id, status, position)`);

    await db.query(`CREATE TABLE artifacts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      type text NOT NULL,
      title text NOT NULL,
      content text NOT NULL DEFAULT '',
      url text,
      agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
      run_id uuid,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX artifacts_room_idx ON artifacts (room_id, created_at)`);
    // One artifact per pull request per room, however often a run reports it.
    await db.query(`CREATE UNIQUE INDEX artifacts_room_url_key ON artifacts (room_id, type, url) WHERE url IS NOT NULL`);

    await db.query(`CREATE TABLE notifications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
      message text NOT NULL,
      read_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC)`);

    // One row per agent invocation. depth and root_run_id come from the run that caused it and are
    // never taken from a request, so no path can reset the mention depth.
    await db.query(`CREATE TABLE agent_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
      agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      parent_run_id uuid REFERENCES agent_runs (id) ON DELETE SET NULL,
      depth integer NOT NULL,
      trigger_message_id uuid,
      reply_message_id uuid NOT NULL,
      state text NOT NULL CHECK (state IN ('QUEUED', 'INPROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
      mode text NOT NULL,
      remote_run_id text,
      provider text,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      completed_at timestamptz,
      last_activity_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query(`CREATE INDEX agent_runs_room_idx ON agent_runs (room_id, created_at DESC)`);
    await db.query(`CREATE INDEX agent_runs_active_idx ON agent_runs (last_activity_at) WHERE state IN ('QUEUED', 'INPROGRESS')`);
    // A reply that mentions an agent twice, or a callback delivered twice, invokes it once.
    await db.query(`CREATE UNIQUE INDEX agent_runs_parent_agent_key ON agent_runs (parent_run_id, agent_id) WHERE parent_run_id IS NOT NULL`);

    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.up) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.down) await db.query(statement);
    for (const table of ['agent_runs', 'notifications', 'artifacts', 'tasks', 'messages', 'room_agents', 'rooms', 'agents', 'login_failures', 'sessions', 'users']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
