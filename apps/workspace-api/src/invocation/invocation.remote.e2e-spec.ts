import { connectScriptedWorker, startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import type { MessageView } from '@oz/workspace-contract';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../testing/control-plane-process';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Remote mode end to end: the workspace creates runs on a real control plane (the built app, run as
 * a process) through the official oz-agent-sdk; the control plane calls a fake provider that streams.
 */
describe('agent invocation (remote runner, against a running control plane)', () => {
  let provider: FakeLlmServer;
  let controlPlane: ControlPlaneProcess;
  let ws: WorkspaceHarness;
  let user: UserClient;

  beforeAll(async () => {
    provider = await startFakeOpenAiServer();
    controlPlane = await startControlPlaneProcess('oz_ws_remote_cp', {
      OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
      OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
      OZ_PROVIDER_CUSTOM_STREAM: 'true',
      // More providers on the same fake server, each with its own model, so a request says who it was for.
      ...Object.fromEntries(
        ['CODEX', 'KIMI', 'MY_LLM'].flatMap((key) => [
          [`OZ_PROVIDER_${key}_MODEL`, `${key.toLowerCase()}-configured-model`],
          [`OZ_PROVIDER_${key}_BASE_URL`, provider.url],
          [`OZ_PROVIDER_${key}_STREAM`, 'false'],
        ]),
      ),
    });
    ws = await startWorkspace({
      REDIS_URL: TEST_REDIS_URL,
      OZ_RUNNER_MODE: 'remote',
      OZ_API_BASE_URL: controlPlane.apiUrl,
      OZ_API_KEY: controlPlane.adminKey,
      OZ_REMOTE_POLL_INTERVAL_MS: '100',
      // Where task containers would reach this workspace (the harness listens on a random port).
      OZ_WORKSPACE_PUBLIC_URL: 'http://workspace.test:3000',
    });
    user = await ws.signup('Remy');
  }, 180_000);

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    await controlPlane?.stop();
    await provider?.close();
  });

  afterEach(() => provider.reset());

  const controlPlaneRun = async (runId: string) =>
    (await controlPlane.admin('GET', `/agent/runs/${runId}`)).json();

  async function setup(name: string, systemPrompt = '') {
    const agent = (await user.request('POST', '/api/agents', { name, harness: 'custom', system_prompt: systemPrompt })).body;
    const room = (await user.request('POST', '/api/rooms', { name: `${name}-room`, agent_ids: [agent.id] })).body;
    const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    return { agent, room, events };
  }

  const finalReply = (events: SseClient, messageId: string) =>
    events.waitFor((e) => e.event === 'message' && e.data.id === messageId && e.data.status !== 'streaming', 20_000).then((e) => e.data as MessageView);

  it('creates a run on the control plane and streams its output into the room', async () => {
    const { room, events } = await setup('Remote', 'You are terse.');
    const pieces = ['The ', 'control ', 'plane ', 'answered.'];
    provider.enqueue({ kind: 'answer', chunks: pieces, chunkDelayMs: 400 });
    const posted = await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Remote status?' });
    const run = posted.body.runs[0];
    expect(run.mode).toBe('remote');

    const reply = await finalReply(events, run.reply_message_id);
    expect(reply).toMatchObject({ status: 'complete', content: pieces.join('') });
    const deltas = events.of('message_delta').filter((e) => e.data.run_id === run.id);
    expect(deltas.length).toBeGreaterThan(1);
    let assembled = '';
    for (const { data } of deltas) assembled = assembled.slice(0, data.offset) + data.delta;
    expect(assembled).toBe(pieces.join(''));

    // The run on the control plane is the one recorded, carrying the prompt the workspace built.
    const recorded = (await user.request('GET', `/api/runs/${run.id}`)).body;
    expect(recorded).toMatchObject({ state: 'SUCCEEDED', provider: 'control-plane', remote_run_id: expect.any(String) });
    const remote = await controlPlaneRun(recorded.remote_run_id);
    expect(remote).toMatchObject({ state: 'SUCCEEDED', output: pieces.join('') });
    expect(remote.prompt).toContain('Your name is Remote.');
    expect(remote.prompt).toContain('You are terse.');
    expect(remote.prompt).toContain('Request from the user:\n@Remote status?');
    expect(provider.requests).toHaveLength(1);
    events.close();
  });

  it('shows a run the control plane failed as one clear error message', async () => {
    const { room, events } = await setup('Failing');
    provider.enqueue({ kind: 'status', status: 403, message: 'key revoked' });
    const run = (await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Failing go' })).body.runs[0];
    const reply = await finalReply(events, run.reply_message_id);
    expect(reply.status).toBe('error');
    // The run is the room owner's, a tenant: told that no provider could answer, not the provider's
    // own words about its key (those are for the administrator).
    expect(reply.content).toMatch(/^⚠️ Failing could not reply: No provider could answer this run/);
    expect(reply.content).not.toContain('key revoked');
    events.close();
  });

  it('cancelling in the workspace cancels the run on the control plane', async () => {
    const { room, events } = await setup('Stuck');
    provider.enqueue({ kind: 'hang' });
    const run = (await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Stuck wait' })).body.runs[0];
    await provider.waitForRequests(1, 15_000);
    let remoteRunId: string | null = null;
    for (const deadline = Date.now() + 10_000; !remoteRunId && Date.now() < deadline; ) {
      remoteRunId = (await user.request('GET', `/api/runs/${run.id}`)).body.remote_run_id;
      if (!remoteRunId) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await user.request('POST', `/api/runs/${run.id}/cancel`)).status).toBe(200);
    await provider.waitForAbort(0, 15_000);
    expect((await controlPlaneRun(remoteRunId!)).state).toBe('CANCELLED');
    expect((await finalReply(events, run.reply_message_id)).status).toBe('cancelled');
    events.close();
  });

  /**
   * The agent's harness is the run's harness.type (official ones) and its model the run's model_id,
   * so the control plane's provider rules pick what the local runner would: the provider each request
   * reached says which (they share one fake server, each with its own model).
   */
  it.each([
    // The old config sent model_id "o3" and no harness: OZ_DEFAULT_HARNESS (custom) answered.
    ['codex', 'o3', { harness: { type: 'codex' }, model_id: 'o3' }, 'codex-configured-model'],
    ['claude-code', 'my_llm', { harness: { type: 'claude' }, model_id: 'my_llm' }, 'my_llm-configured-model'],
    ['custom', 'my_llm/big-model', { model_id: 'my_llm/big-model' }, 'big-model'],
    ['kimi', null, { model_id: 'kimi' }, 'kimi-configured-model'],
    ['custom', null, { model_id: 'custom' }, 'fake-model'],
  ])('a %s agent with model %s runs with %j and reaches the provider with %s', async (harness, model, config, providerModel) => {
    const agent = (await user.request('POST', '/api/agents', { name: `Routed ${harness} ${model ?? 'default'}`.replace(/[^\w -]/g, ' '), harness, model })).body;
    const room = (await user.request('POST', '/api/rooms', { name: `routing-${agent.id}`, agent_ids: [agent.id] })).body;
    const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
    provider.enqueue({ kind: 'answer', chunks: [`answered for ${providerModel}`] });
    const run = (await user.request('POST', `/api/rooms/${room.id}/messages`, { content: `@${agent.name} which model?` })).body.runs[0];
    expect(await finalReply(events, run.reply_message_id)).toMatchObject({ status: 'complete', content: `answered for ${providerModel}` });
    expect(provider.requests.map((r) => r.model)).toEqual([providerModel]);
    const remote = await controlPlaneRun((await user.request('GET', `/api/runs/${run.id}`)).body.remote_run_id);
    expect(remote.agent_config).toEqual({ name: agent.name, ...config });
    // A provider run has no task container, hence no room callback and no word of oz-room.
    expect(remote.prompt).not.toContain('oz-room');
    events.close();
  });

  it('runs a codex agent in a worker as codex with its model and environment, and gives the task its room callback', async () => {
    const environment = await (await controlPlane.admin('POST', '/environments', { name: 'codex-env', docker_image: 'oz-task:codex' })).json();
    const worker = await connectScriptedWorker(controlPlane.origin, controlPlane.adminKey, 'workspace-codex-worker');
    try {
      const agent = (await user.request('POST', '/api/agents', { name: 'Coder', harness: 'codex', model: 'gpt-5-codex', environment_id: environment.id })).body;
      const room = (await user.request('POST', '/api/rooms', { name: 'codex-room', agent_ids: [agent.id] })).body;
      const run = (await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Coder refactor it' })).body.runs[0];

      const assignment = await worker.next('task_assignment', 15_000);
      expect(assignment.docker_image).toBe('oz-task:codex');
      expect(assignment.env_vars).toMatchObject({ OZ_HARNESS: 'codex', OZ_MODEL_ID: 'gpt-5-codex', OZ_ROOM_API_URL: 'http://workspace.test:3000/api' });
      expect(assignment.env_vars?.['OZ_ROOM_TOKEN']).toMatch(new RegExp(`^oz_room_${run.id.replaceAll('-', '')}_[A-Za-z0-9_-]{43}$`));
      expect(assignment.task.agent_config_snapshot).toMatchObject({
        environment_id: environment.id,
        harness: { type: 'codex' },
        model_id: 'gpt-5-codex',
        task_env: { OZ_ROOM_API_URL: '<redacted>', OZ_ROOM_TOKEN: '<redacted>' },
      });
      // The agent is told that it can post to the room.
      expect(assignment.env_vars?.['OZ_TASK_PROMPT']).toContain('/agent/oz-room say');
      await worker.send('task_claimed', { task_id: assignment.task_id, worker_id: worker.workerId });
      await worker.send('task_failed', { task_id: assignment.task_id, message: 'done here' });
    } finally {
      await worker.close();
    }
  });

  it('runs an agent with an environment on a worker, and saves the pull request it reports to the room', async () => {
    const environment = await (await controlPlane.admin('POST', '/environments', { name: 'app', docker_image: 'oz-task:test' })).json();
    const worker = await connectScriptedWorker(controlPlane.origin, controlPlane.adminKey, 'workspace-test-worker');
    try {
      const agent = (await user.request('POST', '/api/agents', { name: 'Builder', harness: 'claude-code', environment_id: environment.id })).body;
      const room = (await user.request('POST', '/api/rooms', { name: 'builds', agent_ids: [agent.id] })).body;
      const events = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: user.session });
      const run = (await user.request('POST', `/api/rooms/${room.id}/messages`, { content: '@Builder fix the login bug' })).body.runs[0];

      const assignment = await worker.next('task_assignment', 15_000);
      const taskId = (assignment as { task_id: string }).task_id;
      expect(JSON.stringify(assignment)).toContain('fix the login bug');
      await worker.send('task_claimed', { task_id: taskId, worker_id: worker.workerId });
      await worker.send('task_started', { task_id: taskId });
      await worker.send('task_completed', { task_id: taskId, output: 'Fixed it. PR: https://github.com/acme/app/pull/12 (branch: fix/login)' });

      const reply = await finalReply(events, run.reply_message_id);
      expect(reply).toMatchObject({ status: 'complete', content: 'Fixed it. PR: https://github.com/acme/app/pull/12 (branch: fix/login)' });
      const artifact = await events.waitFor((e) => e.event === 'artifact');
      expect(artifact.data.artifact).toMatchObject({ type: 'pr', title: 'fix/login', url: 'https://github.com/acme/app/pull/12', run_id: run.id, agent: { id: agent.id } });
      const listed = (await user.request('GET', `/api/rooms/${room.id}/artifacts`)).body.items;
      expect(listed).toHaveLength(1);
      events.close();
    } finally {
      await worker.close();
    }
  });
});
