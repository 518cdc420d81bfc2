import { createTestDatabase, queryOnce, type TestDatabase } from '@oz/testing';
import { SecretBox } from '@oz/server-kit';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_SECRETS_KEY, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * An agent's MCP server headers and env values, and the credentials in its repository URL, are
 * secrets: sealed at rest with OZ_SECRETS_KEY, shown redacted in every response and event, kept when
 * a client sends the redacted form back, and handed in the clear only to the runs that need them.
 */

const SECRET = {
  token: 'ghp_RepoTokenNobodySees123',
  header: 'Bearer mcp-header-secret-456',
  env: 'db-password-secret-789',
  url: 'mcp-url-secret-000',
};

const agentBody = (name: string) => ({
  name,
  harness: 'custom',
  repo_url: `https://x-access-token:${SECRET.token}@github.com/acme/app.git`,
  mcp_servers: {
    github: { url: 'https://mcp.example.com/sse', headers: { Authorization: SECRET.header } },
    db: { command: 'mcp-postgres', args: ['--readonly'], env: { PGPASSWORD: SECRET.env } },
    internal: { url: `https://bot:${SECRET.url}@mcp.internal/x` },
  },
});

const REDACTED = {
  repo_url: 'https://***@github.com/acme/app.git',
  mcp_servers: {
    github: { url: 'https://mcp.example.com/sse', headers: { Authorization: '<redacted>' } },
    db: { command: 'mcp-postgres', args: ['--readonly'], env: { PGPASSWORD: '<redacted>' } },
    internal: { url: 'https://***@mcp.internal/x' },
  },
};

const leaks = (payload: unknown) => Object.values(SECRET).filter((secret) => JSON.stringify(payload).includes(secret));

interface StoredAgent {
  repo_url: string | null;
  mcp_servers: unknown;
  secrets: string | null;
}

describe('agent secrets', () => {
  let database: TestDatabase;
  let ws: WorkspaceHarness;
  let user: UserClient;
  const box = new SecretBox(Buffer.from(TEST_SECRETS_KEY, 'base64'));

  beforeAll(async () => {
    database = await createTestDatabase('oz_ws_agent_secrets');
    ws = await startWorkspace({}, database);
    user = await ws.signup('Sam');
  });

  afterAll(() => closeAll([ws], database));

  const row = async (id: string) => (await queryOnce<StoredAgent>(database.url, `SELECT repo_url, mcp_servers, secrets FROM workspace.agents WHERE id = '${id}'`))[0];
  const opened = (id: string, sealed: string | null) => JSON.parse(box.open(sealed as string, `agents.secrets:${id}`));

  it('shows them redacted in every response and event, and stores them only sealed', async () => {
    const created = await user.request('POST', '/api/agents', agentBody('Keeper'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(REDACTED);
    const { id } = created.body;

    const room = (await user.request('POST', '/api/rooms', { name: 'vault', agent_ids: [id] })).body;
    const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    const patched = await user.request('PATCH', `/api/agents/${id}`, { color: '#000000' });
    await events.waitFor((e) => e.event === 'room');
    events.close();
    const responses = [created, patched, await user.request('GET', `/api/agents/${id}`), await user.request('GET', '/api/agents'), await user.request('GET', `/api/rooms/${room.id}`)];
    for (const response of responses) expect(leaks(response.body)).toEqual([]);
    expect(leaks(events.events)).toEqual([]);
    expect(patched.body).toMatchObject(REDACTED);

    // The row: visible columns hold the redacted forms; the values are in `secrets`, sealed for this agent.
    const stored = await row(id);
    expect(leaks(stored)).toEqual([]);
    expect({ repo_url: stored.repo_url, mcp_servers: stored.mcp_servers }).toEqual(REDACTED);
    expect(stored.secrets).toMatch(/^v2\./);
    expect(opened(id, stored.secrets)).toEqual({
      repo_url: agentBody('x').repo_url,
      mcp: { github: { headers: { Authorization: SECRET.header } }, db: { env: { PGPASSWORD: SECRET.env } }, internal: { url: `https://bot:${SECRET.url}@mcp.internal/x` } },
    });
    // Sealed for this row: copied to another agent it does not open.
    expect(() => box.open(stored.secrets as string, 'agents.secrets:00000000-0000-4000-8000-000000000000')).toThrow();
  });

  it('keeps a stored value sent back as "<redacted>" (or a URL as shown), and takes new ones', async () => {
    const { id } = (await user.request('POST', '/api/agents', agentBody('Editor'))).body;
    const shown = (await user.request('GET', `/api/agents/${id}`)).body;

    // The dashboard sends back what it showed, with one header changed and one added.
    const mcp = structuredClone(shown.mcp_servers);
    mcp.github.headers['X-Extra'] = 'extra-value';
    mcp.db.env.PGPASSWORD = 'new-db-password';
    const patched = await user.request('PATCH', `/api/agents/${id}`, { repo_url: shown.repo_url, mcp_servers: mcp });
    expect(patched.status).toBe(200);
    expect(patched.body.mcp_servers.github.headers).toEqual({ Authorization: '<redacted>', 'X-Extra': '<redacted>' });
    expect(opened(id, (await row(id)).secrets)).toEqual({
      repo_url: agentBody('x').repo_url,
      mcp: {
        github: { headers: { Authorization: SECRET.header, 'X-Extra': 'extra-value' } },
        db: { env: { PGPASSWORD: 'new-db-password' } },
        internal: { url: `https://bot:${SECRET.url}@mcp.internal/x` },
      },
    });

    // "<redacted>" where nothing is stored is refused, naming the field.
    const unknown = await user.request('PATCH', `/api/agents/${id}`, { mcp_servers: { github: { headers: { Cookie: '<redacted>' } } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ errors: [{ field: 'mcp_servers.github.headers.Cookie' }] });

    // A repository without credentials, and no MCP servers: nothing stays sealed.
    await user.request('PATCH', `/api/agents/${id}`, { repo_url: 'https://github.com/acme/public', mcp_servers: {} });
    expect(await row(id)).toEqual({ repo_url: 'https://github.com/acme/public', mcp_servers: {}, secrets: null });
  });

  it('hands the real values to the control plane with each run, and to nobody else', async () => {
    const received: unknown[] = [];
    const controlPlane: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        if (request.method === 'POST') {
          received.push(JSON.parse(body));
          response.end(JSON.stringify({ run_id: 'run-1', task_id: 'run-1', state: 'QUEUED' }));
        } else {
          response.end(JSON.stringify({ run_id: 'run-1', task_id: 'run-1', state: 'SUCCEEDED', output: 'done', title: 't', prompt: 'p', created_at: new Date().toISOString(), updated_at: new Date().toISOString() }));
        }
      });
    });
    controlPlane.listen(0, '127.0.0.1');
    await once(controlPlane, 'listening');
    const address = controlPlane.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const remote = await startWorkspace({ OZ_RUNNER_MODE: 'remote', OZ_API_BASE_URL: `http://127.0.0.1:${port}/api/v1`, OZ_API_KEY: 'k', OZ_REMOTE_POLL_INTERVAL_MS: '50' }, database);
    try {
      const runner = await remote.signup('Runner');
      const agent = (await runner.request('POST', '/api/agents', agentBody('Worker'))).body;
      const room = (await runner.request('POST', '/api/rooms', { name: 'remote', agent_ids: [agent.id] })).body;
      const events = await SseClient.open(`${remote.origin}/api/events?roomId=${room.id}`, { session: runner.session });
      const posted = await runner.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Worker go' });
      await events.waitFor((e) => e.event === 'message' && e.data.id === posted.body.runs[0].reply_message_id && e.data.status === 'complete');
      events.close();
      expect(received).toHaveLength(1);
      expect((received[0] as { config: { mcp_servers: unknown } }).config.mcp_servers).toEqual(agentBody('x').mcp_servers);
      expect(leaks(events.events)).toEqual([]);
    } finally {
      await remote.close();
      controlPlane.close();
    }
  });

  it('seals, at start-up, values stored in the clear before secrets were sealed', async () => {
    const { id } = (await user.request('POST', '/api/agents', { name: 'Legacy', repo_url: 'https://github.com/acme/legacy' })).body;
    const plain = agentBody('x');
    await queryOnce(
      database.url,
      `UPDATE workspace.agents SET repo_url = '${plain.repo_url}', mcp_servers = '${JSON.stringify(plain.mcp_servers)}'::jsonb, secrets = NULL WHERE id = '${id}'`,
    );
    // Shown redacted even before it is sealed.
    expect(leaks((await user.request('GET', `/api/agents/${id}`)).body)).toEqual([]);

    const restarted = await startWorkspace({}, database);
    try {
      const stored = await row(id);
      expect({ repo_url: stored.repo_url, mcp_servers: stored.mcp_servers }).toEqual(REDACTED);
      expect(opened(id, stored.secrets)).toMatchObject({ repo_url: plain.repo_url, mcp: { db: { env: { PGPASSWORD: SECRET.env } } } });
    } finally {
      await restarted.close();
    }
  });

  it('refuses secrets on a server without OZ_SECRETS_KEY, and a server with another key', async () => {
    const keyless = await startWorkspace({ OZ_SECRETS_KEY: '' }, database);
    try {
      const owner = await keyless.signup('Keyless');
      const refused = await owner.request('POST', '/api/agents', agentBody('Nope'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'secrets_unavailable', message: expect.stringContaining('its OZ_SECRETS_KEY is not set') });
      expect((await owner.request('POST', '/api/agents', { name: 'Plain', mcp_servers: { gh: { url: 'https://mcp.example.com' } } })).status).toBe(201);
    } finally {
      await keyless.close();
    }
    await expect(startWorkspace({ OZ_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') }, database)).rejects.toThrow(
      'OZ_SECRETS_KEY is not the key the workspace secrets in this database were sealed with',
    );
  });
});
