import { assertBuilt, createTestDatabase, freePort, startBuiltApp, waitForHealth, type ServerProcess, type TestDatabase } from '@oz/testing';
import { TEST_PASSWORD, TEST_SECRETS_KEY } from '../testing/workspace-harness';

/**
 * A body over OZ_MAX_BODY_BYTES (1 MiB by default) is refused with 413, and the client reads that
 * answer: Node's fetch (and so the official SDK) could fail with EPIPE or a reset instead, because the
 * server closed the connection while the client was still sending (issue 11, item 7). The built server
 * in its own process, as the race needs.
 */
describe('oversized request bodies', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let origin: string;
  let token: string;
  let roomId: string;

  beforeAll(async () => {
    assertBuilt('workspace-api');
    database = await createTestDatabase('oz_ws_big_bodies');
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = startBuiltApp('workspace-api', [], { DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', OZ_LOG_LEVEL: 'warn', OZ_SECRETS_KEY: TEST_SECRETS_KEY });
    await waitForHealth(`${origin}/health`, server.exit, server.output);
    const signup = await fetch(`${origin}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Big', email: 'big@example.com', password: TEST_PASSWORD }),
    });
    token = signup.headers.get('x-session-token') as string;
    roomId = (await (await post('/api/rooms', { name: 'big' })).json()).id;
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exit;
    await database?.drop();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

  it.each([
    [2, 3],
    [12, 5],
  ])('answers a %i MB message with a 413 that Node\'s fetch reads, with a message (%i times)', async (megabytes, times) => {
    const content = 'x'.repeat(megabytes * 1024 * 1024);
    for (let i = 0; i < times; i++) {
      const response = await post(`/api/rooms/${roomId}/messages`, { content });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ status: 413, code: 'body_too_large', message: 'Request body is too large' });
    }
    // The room is untouched and the server answers the next request.
    const history = await fetch(`${origin}/api/rooms/${roomId}/messages`, { headers: { authorization: `Bearer ${token}` } });
    expect((await history.json()).items).toEqual([]);
  });
});
