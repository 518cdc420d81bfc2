import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertSidecarTestsReady, clearSidecarLeftovers, materialiseSidecarOfficially, removeWorkspaces, runTask, type TaskRun } from './support/sidecar-tasks';

const ROOM_TOKEN = 'oz_room_0b6f1a523c1d4f7e9a2b1c2d3e4f5a6b_c2VjcmV0LXJvb20tdG9rZW4tZm9yLXRoZS1lMmUtdGVzdA';
const TASK_ID = '0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6b';
const REFUSED_TASK_ID = 'dead0000-0000-4000-8000-000000000000';

interface RoomRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** A workspace's internal agent routes, played on 127.0.0.1: records each request, answers as the workspace would. */
async function startFakeWorkspace(): Promise<{ apiUrl: string; requests: RoomRequest[]; close(): Promise<void> }> {
  const requests: RoomRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], body: raw ? JSON.parse(raw) : null });
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === `/api/agent/tasks/${REFUSED_TASK_ID}`) return answer(404, { code: 'resource_not_found', message: `Task ${REFUSED_TASK_ID} not found` });
      if (req.method === 'GET') return answer(200, { items: [{ id: TASK_ID, title: 'Write tests' }] });
      return answer(req.url?.startsWith('/api/agent/tasks/') ? 200 : 201, { ok: req.url });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * /agent/oz-room, the sidecar's helper with which an agent posts to its workspace room, run in a real
 * task container (the test task image: busybox, no curl, so busybox wget carries the requests) by a
 * custom agent command, against a fake workspace on 127.0.0.1 (host network).
 */
describe('oz-room in a task container', () => {
  let sidecar: string;
  let workspace: Awaited<ReturnType<typeof startFakeWorkspace>>;
  const runs: TaskRun[] = [];

  beforeAll(async () => {
    assertSidecarTestsReady();
    sidecar = await materialiseSidecarOfficially();
    workspace = await startFakeWorkspace();
  }, 60_000);

  afterAll(async () => {
    clearSidecarLeftovers(sidecar ? [sidecar] : []);
    removeWorkspaces(runs);
    await workspace?.close();
  });

  async function agent(command: string, env: Record<string, string>): Promise<TaskRun> {
    const result = await runTask({ sidecar, network: 'host', env: { OZ_AGENT_COMMAND: command, OZ_TASK_PROMPT: 'work', OZ_ENV_REPOS: '', OZ_ENV_SETUP_COMMANDS: '', ...env } });
    runs.push(result);
    return result;
  }

  it('posts, notifies and keeps the board with the run’s token, text escaped as JSON; the token never shows in the log', async () => {
    const command = [
      `/agent/oz-room say 'Tricky "quotes", a \\ backslash,\ta tab and é' >/dev/null; echo "say=$?"`,
      `printf 'first line\\nsecond line\\n' | /agent/oz-room notify >/dev/null; echo "notify=$?"`,
      `/agent/oz-room task add 'Write tests' --priority high --description 'two\nlines' >/dev/null; echo "add=$?"`,
      `/agent/oz-room task list`,
      `/agent/oz-room task move ${TASK_ID} done >/dev/null; echo "move=$?"`,
      `/agent/oz-room task move ${REFUSED_TASK_ID} done; echo "refused=$?"`,
      `/agent/oz-room task move ../admin done 2>/dev/null; echo "not-an-id=$?"`,
      `/agent/oz-room task add 'x' --priority urgent 2>/dev/null; echo "bad-priority=$?"`,
      `echo "the token: $OZ_ROOM_TOKEN" >&2`,
    ].join('\n');
    const result = await agent(command, { OZ_ROOM_API_URL: `${workspace.apiUrl}/`, OZ_ROOM_TOKEN: ROOM_TOKEN });

    expect(result.code).toBe(0);
    expect(workspace.requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: '/api/agent/messages', body: { content: 'Tricky "quotes", a \\ backslash,\ta tab and é' } },
      { method: 'POST', url: '/api/agent/notifications', body: { message: 'first line\nsecond line' } },
      { method: 'POST', url: '/api/agent/tasks', body: { title: 'Write tests', priority: 'high', description: 'two\nlines' } },
      { method: 'GET', url: '/api/agent/tasks', body: null },
      // POST, not PATCH: busybox wget sends nothing else, and the workspace takes both.
      { method: 'POST', url: `/api/agent/tasks/${TASK_ID}`, body: { status: 'done' } },
      { method: 'POST', url: `/api/agent/tasks/${REFUSED_TASK_ID}`, body: { status: 'done' } },
    ]);
    for (const request of workspace.requests) expect(request.authorization).toBe(`Bearer ${ROOM_TOKEN}`);
    for (const request of workspace.requests.filter((r) => r.method === 'POST')) expect(request.contentType).toBe('application/json');

    // What the agent saw: the answers, each command's exit code (1 refused, 64 a usage error).
    expect(result.output).toContain(`{"items":[{"id":"${TASK_ID}","title":"Write tests"}]}`);
    for (const line of ['say=0', 'notify=0', 'add=0', 'move=0', 'refused=1', 'not-an-id=64', 'bad-priority=64']) expect(result.output).toContain(line);
    expect(result.log).toContain('oz-room: the workspace refused or did not answer: wget: server returned error: HTTP/1.1 404 Not Found');
    // The log masks the token like every secret-named variable.
    expect(result.log).toContain('the token: ***');
    expect(result.log).not.toContain(ROOM_TOKEN);
  });

  it('says so and exits 78 in a run that came from no room', async () => {
    const result = await agent('/agent/oz-room say hello; echo "code=$?"', {});
    expect(result.output).toContain('code=78');
    expect(result.log).toContain('oz-room: OZ_ROOM_API_URL and OZ_ROOM_TOKEN are not set: this run has no room to post to');
  });
});
