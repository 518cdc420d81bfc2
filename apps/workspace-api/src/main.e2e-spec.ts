import { assertBuilt, createTestDatabase, freePort, queryOnce, startBuiltApp, startFakeOpenAiServer, waitForHealth, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { workspaceMigrations } from './database/migrations';
import { SseClient } from './testing/sse-client';
import { TEST_PASSWORD, TEST_REDIS_URL } from './testing/workspace-harness';

/** The built server as operators run it (`npm run start:workspace` runs this main.js). */
describe('workspace API process', () => {
  let database: TestDatabase;
  let provider: FakeLlmServer;

  beforeAll(async () => {
    assertBuilt('workspace-api');
    database = await createTestDatabase('oz_ws_main');
    provider = await startFakeOpenAiServer();
  }, 180_000);

  afterAll(async () => {
    await provider?.close();
    await database?.drop();
  });

  it('refuses a bad configuration with exit code 78 and says what is wrong', async () => {
    const { exit } = startBuiltApp('workspace-api', [], { DATABASE_URL: database.url, OZ_RUNNER_MODE: 'remote', REDIS_URL: 'http://nope' });
    const result = await exit;
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('OZ_API_BASE_URL is required when OZ_RUNNER_MODE=remote');
    expect(result.stderr).toContain('REDIS_URL must be a redis:// or rediss:// URL');
  });

  it('refuses to start without a reachable Redis when REDIS_URL is set, naming it', async () => {
    const port = await freePort();
    const { exit } = startBuiltApp('workspace-api', [], { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' });
    const result = await exit;
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toContain(`Cannot reach Redis at 127.0.0.1:${port} (REDIS_URL)`);
  });

  describe('`main.js migrate` (the Kubernetes migration job; servers then start with OZ_MIGRATE_ON_START=false)', () => {
    it('applies the migrations in the configured schema and exits 0; run again it applies none', async () => {
      const fresh = await createTestDatabase('oz_ws_migrate');
      try {
        const env = { DATABASE_URL: fresh.url, OZ_WORKSPACE_DB_SCHEMA: 'ws_job' };
        const first = await startBuiltApp('workspace-api', ['migrate'], env).exit;
        expect(first).toMatchObject({ code: 0, stderr: '' });
        expect(JSON.parse(first.stdout.trim())).toEqual({ msg: 'migrations.applied', migrations: workspaceMigrations.map((m) => m.name) });
        expect(workspaceMigrations.map((m) => m.name)[0]).toBe('WorkspaceInitial1764288000000');
        expect(await queryOnce(fresh.url, "select to_regclass('ws_job.agent_runs') is not null as found")).toEqual([{ found: true }]);

        const again = await startBuiltApp('workspace-api', ['migrate'], env).exit;
        expect(again.code).toBe(0);
        expect(JSON.parse(again.stdout.trim())).toEqual({ msg: 'migrations.applied', migrations: [] });

        // A server that does not migrate finds everything in place.
        const port = await freePort();
        const server = startBuiltApp('workspace-api', [], { ...env, OZ_MIGRATE_ON_START: 'false', PORT: String(port), HOST: '127.0.0.1' });
        await waitForHealth(`http://127.0.0.1:${port}/health`, server.exit, server.output);
        const signup = await fetch(`http://127.0.0.1:${port}/api/auth/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Job', email: 'job@example.com', password: TEST_PASSWORD }),
        });
        expect(signup.status).toBe(201);
        server.child.kill('SIGTERM');
        expect((await server.exit).code).toBe(0);
      } finally {
        await fresh.drop();
      }
    });

    it('refuses a bad configuration with exit code 78 before touching a database', async () => {
      const result = await startBuiltApp('workspace-api', ['migrate'], { DATABASE_URL: 'mysql://nowhere/db' }).exit;
      expect(result.code).toBe(78);
      expect(result.stderr).toContain('DATABASE_URL must be a postgres:// URL');
    });

    it('names the commands it knows when given another, with exit code 64', async () => {
      const result = await startBuiltApp('workspace-api', ['migrat'], { DATABASE_URL: database.url }).exit;
      expect(result.code).toBe(64);
      expect(result.stderr).toMatch(/unknown command "migrat".*\[migrate\]/);
    });
  });

  it('on SIGTERM ends its event streams, fails the replies it was writing with a clear message, and exits 0', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const server = startBuiltApp('workspace-api', [], {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
    });
    await waitForHealth(`${origin}/health`, server.exit, server.output);
    const post = async (path: string, body: unknown, session?: string) => {
      const response = await fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(session ? { cookie: `oz_session=${session}` } : {}) },
        body: JSON.stringify(body),
      });
      return { body: await response.json(), headers: response.headers };
    };
    const signup = await post('/api/auth/signup', { name: 'Ops', email: 'ops@example.com', password: TEST_PASSWORD });
    const session = signup.headers.get('x-session-token')!;
    const agent = (await post('/api/agents', { name: 'Sleepy', harness: 'custom' }, session)).body;
    const room = (await post('/api/rooms', { name: 'ops', agent_ids: [agent.id] }, session)).body;
    const events = await SseClient.open(`${origin}/api/events?roomId=${room.id}`, { session });
    provider.enqueue({ kind: 'hang' });
    const run = (await post(`/api/rooms/${room.id}/messages`, { content: '@Sleepy take your time' }, session)).body.runs[0];
    await provider.waitForRequests(1);

    server.child.kill('SIGTERM');
    const result = await server.exit;
    expect(result.code).toBe(0);
    await events.ended;
    const reply = events.of('message').find((e) => e.data.id === run.reply_message_id && e.data.status === 'error');
    expect(reply?.data.content).toBe('⚠️ Sleepy could not reply: The workspace API stopped while this reply was being written; ask again.');
    await provider.waitForAbort(0);
    // Logs are JSON lines with request ids.
    const line = result.stdout.split('\n').find((l) => l.includes('"url":"/api/agents"'));
    expect(JSON.parse(line!)).toMatchObject({ req: { id: expect.stringMatching(/^req_/), method: 'POST' }, res: { statusCode: 201 } });
  });
});
