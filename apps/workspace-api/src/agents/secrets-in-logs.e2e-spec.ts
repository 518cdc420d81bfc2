import { assertBuilt, createTestDatabase, freePort, startBuiltApp, startFakeOpenAiServer, waitForHealth, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { SseClient } from '../testing/sse-client';
import { TEST_PASSWORD, TEST_SECRETS_KEY } from '../testing/workspace-harness';

/**
 * The built server as operators run it, its whole log captured (pino's JSON on stdout, anything on
 * stderr, debug level): an agent's repository credentials and MCP secrets go through every route that
 * touches them, a run, and a request whose URL itself carries credentials, and none of them is in the
 * log or in any answer.
 */
describe('secrets in the log of a running workspace API', () => {
  let database: TestDatabase;
  let provider: FakeLlmServer;

  beforeAll(async () => {
    assertBuilt('workspace-api');
    database = await createTestDatabase('oz_ws_logs');
    provider = await startFakeOpenAiServer();
  }, 120_000);

  afterAll(async () => {
    await provider?.close();
    await database?.drop();
  });

  it('never writes repository credentials or MCP secrets, wherever they pass', async () => {
    const secrets = ['ghp_LoggedRepoToken42', 'mcp-header-in-logs-77', 'mcp-env-in-logs-88', 'query-password-99'];
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const server = startBuiltApp('workspace-api', [], {
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      OZ_LOG_LEVEL: 'debug',
      OZ_SECRETS_KEY: TEST_SECRETS_KEY,
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
    });
    const answers: unknown[] = [];
    try {
      await waitForHealth(`${origin}/health`, server.exit, server.output);
      const call = async (method: string, path: string, body?: unknown, session?: string) => {
        const response = await fetch(`${origin}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(session ? { cookie: `oz_session=${session}` } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const answer = { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
        answers.push(answer);
        return answer;
      };

      const signup = await call('POST', '/api/auth/signup', { name: 'Logan', email: 'logan@example.com', password: TEST_PASSWORD });
      const session = signup.headers['x-session-token'];
      const agent = await call(
        'POST',
        '/api/agents',
        {
          name: 'Repo',
          harness: 'custom',
          repo_url: `https://x-access-token:${secrets[0]}@github.com/acme/app.git`,
          mcp_servers: { gh: { url: 'https://mcp.example.com', headers: { Authorization: secrets[1] } }, db: { command: 'db', env: { PASSWORD: secrets[2] } } },
        },
        session,
      );
      expect(agent.status).toBe(201);
      const agentId = JSON.parse(agent.body).id as string;
      await call('GET', `/api/agents/${agentId}`, undefined, session);
      await call('GET', '/api/agents', undefined, session);
      await call('PATCH', `/api/agents/${agentId}`, { repo_url: `https://x-access-token:${secrets[0]}@github.com/acme/other.git` }, session);
      await call('PATCH', `/api/agents/${agentId}`, { mcp_servers: { gh: { headers: { Authorization: 42 } } } }, session); // refused, logged as a 400
      const room = JSON.parse((await call('POST', '/api/rooms', { name: 'logs', agent_ids: [agentId] }, session)).body);
      const events = await SseClient.open(`${origin}/api/events?roomId=${room.id}`, { session });
      const posted = JSON.parse((await call('POST', `/api/rooms/${room.id}/messages`, { content: '@Repo what is in the repo?' }, session)).body);
      await events.waitFor((e) => e.event === 'message' && e.data.id === posted.runs[0].reply_message_id && e.data.status === 'complete');
      events.close();
      answers.push(events.events);
      // A URL that carries credentials in the request line: the request log line has it.
      await call('GET', `/api/rooms?next=${encodeURIComponent('x')}&from=https://admin:${secrets[3]}@internal.example/x`, undefined, session);
    } finally {
      server.child.kill('SIGTERM');
    }
    const { code, stdout, stderr } = await server.exit;
    expect(code).toBe(0);
    const log = stdout + stderr;
    const answered = JSON.stringify(answers);
    const leaked = secrets.flatMap((secret) => [
      ...(log.includes(secret) ? [`${secret} in the log`] : []),
      ...(answered.includes(secret) ? [`${secret} in an answer`] : []),
    ]);
    expect(leaked).toEqual([]);
    // The request line was logged, credentials replaced: redaction, not silence.
    expect(log).toContain('https://***@internal.example/x');
    expect(log).toContain('"msg":"request completed"');
  });
});
