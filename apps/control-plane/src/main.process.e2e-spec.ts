import { createTestDatabase, queryOnce as query, type TestDatabase } from '@oz/testing';
import type { ChildProcess } from 'node:child_process';
import { buildControlPlane, freePort, startControlPlaneProcess as start, waitForHealth } from './testing/control-plane-process';

const ADMIN_KEY = 'process-test-admin-key-0123456789';
const run = (args: string[], env: Record<string, string>) => start(args, env).exit;

const migrationsIn = (stdout: string): string[] => {
  const line = stdout.split('\n').find((l) => l.includes('"migrations.applied"'));
  if (!line) throw new Error(`no migrations.applied line in:\n${stdout}`);
  return JSON.parse(line).migrations;
};

describe('the control-plane process', () => {
  const databases: TestDatabase[] = [];
  const children: ChildProcess[] = [];
  const freshDatabase = async () => {
    const database = await createTestDatabase('oz_cp_proc');
    databases.push(database);
    return database;
  };

  beforeAll(buildControlPlane, 300_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('exits 64 for an unknown command, naming the ones it knows, before reading any configuration', async () => {
    const exit = await run(['migrat'], {});
    expect(exit.code).toBe(64);
    expect(exit.stderr).toMatch(/unknown command "migrat".*\[migrate\]/);
  });

  describe('with a bad environment', () => {
    it('exits 78 naming DATABASE_URL when nothing is set', async () => {
      const exit = await run([], {});
      expect(exit.code).toBe(78);
      expect(exit.stderr).toMatch(/DATABASE_URL is required/);
      expect(exit.stderr).not.toMatch(/\n\s+at /); // a message for operators, not a stack trace
    });

    it('exits 78 naming every bad variable, and never echoes a secret', async () => {
      const exit = await run([], {
        DATABASE_URL: 'mysql://user:hunter2-password@db/oz',
        OZ_ADMIN_API_KEY: 'short-secret',
        PORT: 'eighty',
      });
      expect(exit.code).toBe(78);
      expect(exit.stderr).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
      expect(exit.stderr).toMatch(/OZ_ADMIN_API_KEY must be at least 16 characters/);
      expect(exit.stderr).toMatch(/PORT/);
      expect(exit.stderr).not.toMatch(/hunter2|short-secret/);
    });

    it('exits 78 naming each provider problem when OZ_STARTUP_VALIDATE_PROVIDERS=true', async () => {
      const exit = await run([], {
        DATABASE_URL: 'postgres://oz:oz@127.0.0.1:9/oz',
        OZ_ADMIN_API_KEY: ADMIN_KEY,
        OZ_STARTUP_VALIDATE_PROVIDERS: 'true',
        OZ_PROVIDER_GLM_MODEL: 'glm-4.6',
        OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
        OZ_PROVIDER_CLAUDE_MODEL: 'claude-sonnet-4-5',
        OZ_PROVIDER_CLAUDE_API_KEY: 'sk-ant-secret-123456789',
        OZ_PROVIDER_CLAUDE_MSG_LIMIT: '5',
        OZ_VALIDATE_HARNESSES: 'kimi',
      });
      expect(exit.code).toBe(78);
      expect(exit.stderr).toMatch(/provider glm: OZ_PROVIDER_GLM_BASE_URL is required/);
      expect(exit.stderr).toMatch(/provider claude: OZ_PROVIDER_CLAUDE_MSG_LIMIT and OZ_PROVIDER_CLAUDE_WINDOW_SECONDS go together/);
      expect(exit.stderr).toMatch(/harness kimi has no usable provider/);
      expect(exit.stderr).not.toContain('sk-ant-secret');
    });

    it('exits 78 for `migrate` too, before touching any database', async () => {
      const exit = await run(['migrate'], { OZ_ADMIN_API_KEY: ADMIN_KEY });
      expect(exit.code).toBe(78);
      expect(exit.stderr).toMatch(/DATABASE_URL/);
    });
  });

  describe('serving', () => {
    it('starts, answers /health, and exits 0 within a few seconds of SIGTERM', async () => {
      const database = await freshDatabase();
      const port = await freePort();
      const server = start([], {
        DATABASE_URL: database.url,
        OZ_ADMIN_API_KEY: ADMIN_KEY,
        HOST: '127.0.0.1',
        PORT: String(port),
        OZ_LOG_LEVEL: 'warn',
        OZ_SCHEDULER_ENABLED: 'false',
      });
      children.push(server.child);

      const health = await waitForHealth(`http://127.0.0.1:${port}/health`, server.exit, server.output);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'up' });

      const stoppedAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exit;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      // Fastify warns (FSTWRN004) when its error handler is set twice; start-up must be clean.
      expect(exit.stderr).not.toMatch(/FSTWRN|Warning/);
    });
  });

  describe('migrate', () => {
    it('applies every migration to a fresh database, exits 0, and is a no-op the second time', async () => {
      const database = await freshDatabase();
      const env = { DATABASE_URL: database.url, OZ_ADMIN_API_KEY: ADMIN_KEY };

      const first = await run(['migrate'], env);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(migrationsIn(first.stdout).length).toBeGreaterThan(0);
      expect(await query(database.url, "SELECT to_regclass('runs') IS NOT NULL AS found")).toEqual([{ found: true }]);
      const applied = await query(database.url, 'SELECT name FROM typeorm_migrations ORDER BY id');

      const second = await run(['migrate'], env);
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
      expect(migrationsIn(second.stdout)).toEqual([]);
      expect(await query(database.url, 'SELECT name FROM typeorm_migrations ORDER BY id')).toEqual(applied);
    });

    it('exits 1 with the reason when the database does not exist', async () => {
      const database = await freshDatabase();
      await database.drop();
      const exit = await run(['migrate'], { DATABASE_URL: database.url, OZ_ADMIN_API_KEY: ADMIN_KEY });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toContain(`database "${database.name}" does not exist`);
    });
  });
});
