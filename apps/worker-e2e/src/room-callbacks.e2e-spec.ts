import { createTestDatabase, removeContainers, startBuiltApp, startBuiltServer, startFakeAnthropicServer, type BuiltServer, type FakeLlmServer, type ServerProcess, type TestDatabase } from '@oz/testing';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { controlPlaneSettings, createEnvironment, startControlPlane, type ControlPlane } from './support/control-plane';
import { assertDockerReady, taskContainersOf } from './support/images';
import { FAKE_CLIS } from './support/sidecar-tasks';
import { stopWorker, WORKER_TOKEN } from './support/workers';

const SERVER_KEY = 'sk-ant-server-side-rooms-0123456789';

interface Message {
  id: string;
  author_type: 'human' | 'agent';
  agent: { id: string; name: string } | null;
  content: string;
  status: string;
  run_id: string | null;
}

/**
 * The whole path of a room callback, every part real: the built workspace API (remote mode) creates
 * an agent's run on the built control plane; our built worker runs it in a Docker task container with
 * the sidecar; the stand-in `claude` (docker/test-task/fake-clis) posts to the room with
 * `/agent/oz-room say …`, which reaches the workspace with the run's room token, then answers through
 * the LLM gateway. Task containers use the host's network and reach both servers on 127.0.0.1, which
 * is what OZ_PUBLIC_URL and OZ_WORKSPACE_PUBLIC_URL default to on a loopback bind.
 */
describe('an agent in a task container posts to its workspace room', () => {
  let cpDatabase: TestDatabase;
  let wsDatabase: TestDatabase;
  let provider: FakeLlmServer;
  let cp: ControlPlane;
  let workspace: BuiltServer;
  let worker: ServerProcess;
  const runs: string[] = [];

  beforeAll(async () => {
    assertDockerReady();
    [cpDatabase, wsDatabase] = await Promise.all([createTestDatabase('oz_rooms_cp'), createTestDatabase('oz_rooms_ws')]);
    provider = await startFakeAnthropicServer({ apiKey: SERVER_KEY });
    const settings = controlPlaneSettings(cpDatabase);
    cp = await startControlPlane(settings, {
      OZ_PROVIDER_CLAUDE_TYPE: 'anthropic',
      OZ_PROVIDER_CLAUDE_BASE_URL: provider.url,
      OZ_PROVIDER_CLAUDE_API_KEY: SERVER_KEY,
      OZ_PROVIDER_CLAUDE_MODEL: 'claude-server-model',
    });
    workspace = await startBuiltServer('workspace-api', {
      DATABASE_URL: wsDatabase.url,
      OZ_SECRETS_KEY: randomBytes(32).toString('base64'),
      OZ_RUNNER_MODE: 'remote',
      OZ_API_BASE_URL: `${cp.origin}/api/v1`,
      OZ_API_KEY: settings.adminKey,
      OZ_REMOTE_POLL_INTERVAL_MS: '200',
      OZ_LOG_LEVEL: 'warn',
    });
    // Containers are kept (--no-cleanup) so the test can read the token they had; removed in afterAll.
    worker = startBuiltApp('worker', ['--worker-id', 'rooms-worker', '--max-concurrent-tasks', '1', '--no-cleanup', '--mount', `${FAKE_CLIS}:/opt/fake-clis:ro`], {
      ...(process.env['DOCKER_HOST'] ? { DOCKER_HOST: process.env['DOCKER_HOST'] } : {}),
      OZ_CONTROL_PLANE_URL: cp.origin,
      OZ_WORKER_API_KEY: WORKER_TOKEN,
      OZ_TASK_NETWORK: 'host',
      OZ_TASK_MEMORY_MB: '256',
      OZ_LOG_LEVEL: 'warn',
    });
  }, 120_000);

  afterAll(async () => {
    if (worker) await stopWorker(worker, 'SIGKILL');
    removeContainers(runs.flatMap(taskContainersOf));
    await workspace?.stop();
    await cp?.server.stop();
    await provider?.close();
    await Promise.all([cpDatabase?.drop(), wsDatabase?.drop()]);
  });

  async function call<T>(method: string, path: string, session: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(`${workspace.origin}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(session ? { authorization: `Bearer ${session}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  /** The room's messages once `done` says they are complete; polls the workspace (no timing is asserted). */
  async function messagesWhen(session: string, roomId: string, done: (messages: Message[]) => boolean): Promise<Message[]> {
    for (const deadline = Date.now() + 60_000; ; ) {
      const { body } = await call<{ items: Message[] }>('GET', `/api/rooms/${roomId}/messages`, session);
      if (done(body.items)) return body.items;
      if (Date.now() > deadline) throw new Error(`the room never got there: ${JSON.stringify(body.items)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('the message the agent posts with oz-room appears in the room while it works; its token is masked in the log and dies with the run', async () => {
    const signup = await call<{ id: string }>('POST', '/api/auth/signup', null, { name: 'Olga', email: 'olga@example.com', password: 'Correct-Horse-Battery-42' });
    expect(signup.status).toBe(201);
    const session = signup.headers.get('x-session-token') ?? '';
    // The first account is the instance admin: its runs are made with the admin key, which sees this environment.
    const environmentId = await createEnvironment(cp, undefined, { name: 'fake-claude', env_vars: { PATH: '/opt/fake-clis:/usr/bin:/bin' } });
    const agent = (await call<{ id: string }>('POST', '/api/agents', session, { name: 'Builder', harness: 'claude-code', model: 'claude-sonnet-4-5', environment_id: environmentId })).body;
    const room = (await call<{ id: string }>('POST', '/api/rooms', session, { name: 'builds', agent_ids: [agent.id] })).body;
    provider.enqueue({ kind: 'answer', text: 'I fixed the login bug.' });

    const posted = await call<{ runs: Array<{ id: string; reply_message_id: string }> }>('POST', `/api/rooms/${room.id}/messages`, session, { content: '@Builder fix the login bug' });
    const [run] = posted.body.runs;
    const messages = await messagesWhen(session, room.id, (items) => items.some((m) => m.id === run?.reply_message_id && m.status !== 'streaming'));

    // The agent's own message, posted from the container, then its reply (the run's output).
    const fromContainer = messages.find((m) => m.content === 'Fake claude is on it (model claude-sonnet-4-5).');
    expect(fromContainer).toMatchObject({ author_type: 'agent', agent: { id: agent.id, name: 'Builder' }, status: 'complete', run_id: run?.id });
    const reply = messages.find((m) => m.id === run?.reply_message_id);
    expect(reply).toMatchObject({ status: 'complete', content: expect.stringMatching(/^I fixed the login bug\.\nOpened https:\/\/github\.com\/acme\/app\/pull\/42/) });
    expect(provider.requests).toHaveLength(1);

    // What the task container had: its room's address and the token, as the control plane handed them over.
    const remoteRunId = (await call<{ remote_run_id: string }>('GET', `/api/runs/${run?.id}`, session)).body.remote_run_id;
    runs.push(remoteRunId);
    const [container] = taskContainersOf(remoteRunId);
    const env = (JSON.parse(execFileSync('docker', ['inspect', container ?? 'none'], { encoding: 'utf8' })) as Array<{ Config: { Env: string[] } }>)[0]?.Config.Env ?? [];
    expect(env).toContain(`OZ_ROOM_API_URL=${workspace.origin}/api`);
    const token = env.find((line) => line.startsWith('OZ_ROOM_TOKEN='))?.slice('OZ_ROOM_TOKEN='.length) ?? '';
    expect(token).toMatch(/^oz_room_/);

    // The run's log says it posted, and shows the token masked, never in the clear.
    const lines = ((await (await cp.request(`/api/v1/agent/runs/${remoteRunId}/logs`)).json()) as { lines: Array<{ line: string }> }).lines.map((l) => l.line);
    expect(lines).toContain('claude posted to the room');
    expect(lines).toContain('room leak: ***');
    expect(lines.join('\n')).not.toContain(token);

    // The run is over, and so is its token.
    const late = await call<{ code: string }>('POST', '/api/agent/messages', null, { content: 'too late' }, { authorization: `Bearer ${token}` });
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 401, code: 'callback_token_invalid' });
  }, 120_000);
});
