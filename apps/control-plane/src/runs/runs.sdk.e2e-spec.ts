import { IMAGE_MIME_TYPES, type AgentRunParams, type AmbientAgentConfig, type RunItem } from '@oz/contract';
import { AuthenticationError, BadRequestError, NotFoundError } from 'oz-agent-sdk';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { createEnvironment, ownerOf, sdkError } from '../testing/run-fixtures';

const RUN_ITEM_FIELDS = [
  'agent_config',
  'artifacts',
  // Extension: how many times a worker took the run.
  'attempts',
  'conversation_id',
  'created_at',
  'creator',
  'is_sandbox_running',
  // Extensions beyond the official RunItem: the answer, and the provider that gave it.
  'output',
  'prompt',
  'provider',
  // Extension: what the run's task asked of the LLM gateway.
  'request_usage',
  'run_id',
  'scope',
  'session_link',
  'source',
  'started_at',
  'state',
  'status_message',
  'task_id',
  'title',
  'updated_at',
  // Extension: the worker holding a worker run.
  'worker_id',
];

function image(mime_type: (typeof IMAGE_MIME_TYPES)[number], bytes: string) {
  return { data: Buffer.from(bytes).toString('base64'), mime_type };
}

describe('runs through the official oz-agent-sdk', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  /** Creates through the raw alias route, which the alpha.8 SDK has no method for. */
  async function createViaAlias(token: string, body: unknown): Promise<Response> {
    return cp.request('/api/v1/agent/runs', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function runCount(token: string): Promise<number> {
    const [row] = await cp.dataSource.query(`SELECT count(*)::int AS n FROM runs WHERE tenant_key = $1`, [ownerOf(token).tenantKey]);
    return row.n;
  }

  describe('creating a run', () => {
    it('creates a run without an environment as QUEUED and retrieves it in full', async () => {
      const sdk = cp.sdk(tenantToken());
      const created = await sdk.agent.run({ prompt: 'Fix the flaky test', config: { model_id: 'claude-x', name: 'nightly' } });
      expect(created.state).toBe('QUEUED');
      expect(created.task_id).toBe(created.run_id);

      const run = await sdk.agent.runs.retrieve(created.run_id);
      expect(run).toMatchObject({
        run_id: created.run_id,
        prompt: 'Fix the flaky test',
        title: 'nightly',
        state: 'QUEUED',
        source: 'API',
        agent_config: { model_id: 'claude-x', name: 'nightly' },
        artifacts: [],
        session_link: null,
        status_message: null,
        started_at: null,
      });
    });

    it('stores every field the SDK sends and returns all but the images', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const config = {
        base_prompt: 'Be careful with migrations.',
        computer_use_enabled: true,
        mcp_servers: {
          linear: { warp_id: 'mcp-linear' },
          files: { command: 'npx', args: ['-y', '@acme/mcp-files'], env: { ROOT: '/workspace' } },
          search: { url: 'https://mcp.example.com/sse', headers: { 'X-Team': 'core' } },
        },
        model_id: 'claude-4-sonnet',
        name: 'nightly-fix',
        skill_spec: 'acme/tools:from-config',
        worker_host: 'build-box-1',
        harness: { type: 'claude' },
        idle_timeout_minutes: 30,
      } satisfies AmbientAgentConfig;
      const images = [
        ...IMAGE_MIME_TYPES.map((mime) => image(mime, `bytes of a ${mime}`)),
        image('image/png', 'a second png'),
      ];
      const body: AgentRunParams = {
        prompt: 'Fix the flaky login test\nIt fails one run in ten.',
        title: 'Flaky login test',
        team: true,
        conversation_id: 'conv-7f3a',
        skill: 'acme/tools:skills/fix-flaky/SKILL.md',
        images,
        config,
      };

      const created = await sdk.agent.run(body);
      expect(created).toEqual({ run_id: expect.any(String), task_id: created.run_id, state: 'QUEUED' });

      const run = await sdk.agent.runs.retrieve(created.run_id);
      expect(run).toMatchObject({
        run_id: created.run_id,
        task_id: created.run_id,
        title: 'Flaky login test',
        prompt: body.prompt,
        conversation_id: 'conv-7f3a',
        scope: { type: 'Team' },
        agent_skill: { full_path: 'acme/tools:skills/fix-flaky/SKILL.md', name: 'fix-flaky' },
        creator: { uid: ownerOf(token).creatorUid },
      });
      // MCP header and env values are secrets: stored sealed, shown redacted (names kept).
      expect(run.agent_config).toEqual({
        ...config,
        mcp_servers: {
          ...config.mcp_servers,
          files: { ...config.mcp_servers.files, env: { ROOT: '<redacted>' } },
          search: { ...config.mcp_servers.search, headers: { 'X-Team': '<redacted>' } },
        },
      });
      expect(run).not.toHaveProperty('images');
      expect(JSON.stringify(run)).not.toContain(images[0].data);

      const [row] = await cp.dataSource.query(
        `SELECT images, team, model_id, config_name, skill_spec, worker_host, conversation_id, environment_id
         FROM runs WHERE id = $1`,
        [created.run_id],
      );
      expect(row).toEqual({
        images,
        team: true,
        model_id: 'claude-4-sonnet',
        config_name: 'nightly-fix',
        skill_spec: 'acme/tools:skills/fix-flaky/SKILL.md',
        worker_host: 'build-box-1',
        conversation_id: 'conv-7f3a',
        environment_id: null,
      });
    });

    it('makes a run user-scoped with no conversation when team and conversation_id are omitted', async () => {
      const sdk = cp.sdk(tenantToken());
      const { run_id } = await sdk.agent.run({ prompt: 'Just me' });
      const run = await sdk.agent.runs.retrieve(run_id);
      expect(run.scope).toEqual({ type: 'User' });
      expect(run.conversation_id).toBeNull();
      expect(run).not.toHaveProperty('agent_skill');

      const explicit = await sdk.agent.runs.retrieve((await sdk.agent.run({ prompt: 'Just me', team: false })).run_id);
      expect(explicit.scope).toEqual({ type: 'User' });
    });

    it('lets skill win over config.skill_spec, and uses config.skill_spec when skill is absent', async () => {
      const sdk = cp.sdk(tenantToken());
      const both = await sdk.agent.run({
        prompt: 'Triage',
        skill: 'acme/tools:triage-issue',
        config: { skill_spec: 'acme/tools:ignored-skill' },
      });
      const configOnly = await sdk.agent.run({ config: { skill_spec: 'acme/ops:skills/deploy/SKILL.md' } });

      expect((await sdk.agent.runs.retrieve(both.run_id)).agent_skill).toEqual({
        full_path: 'acme/tools:triage-issue',
        name: 'triage-issue',
      });
      expect((await sdk.agent.runs.retrieve(configOnly.run_id)).agent_skill).toEqual({
        full_path: 'acme/ops:skills/deploy/SKILL.md',
        name: 'deploy',
      });
      // The skill that won is the run's skill for filtering too.
      const bySkill = await sdk.agent.runs.list({ skill_spec: 'acme/tools:triage-issue' });
      expect(bySkill.runs.map((r) => r.run_id)).toEqual([both.run_id]);
      expect((await sdk.agent.runs.list({ skill_spec: 'acme/tools:ignored-skill' })).runs).toEqual([]);
    });

    it('requires a prompt unless skill or config.skill_spec names the work, and creates nothing when refused', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      for (const body of [{}, { prompt: '   \n ' }, { title: 'No work', config: { model_id: 'claude-x' } }]) {
        const error = await sdkError(sdk.agent.run(body));
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.message).toContain('prompt is required unless skill or config.skill_spec is set');
      }
      expect(await runCount(token)).toBe(0);

      const bySkill = await sdk.agent.runs.retrieve((await sdk.agent.run({ skill: 'acme/tools:triage' })).run_id);
      expect(bySkill).toMatchObject({ prompt: '', title: 'acme/tools:triage', state: 'QUEUED' });
      const bySpec = await sdk.agent.runs.retrieve((await sdk.agent.run({ config: { skill_spec: 'acme/tools:lint' } })).run_id);
      expect(bySpec).toMatchObject({ prompt: '', title: 'acme/tools:lint', state: 'QUEUED' });
    });

    it('titles a run by title, then config.name, then the first prompt line (truncated), then the skill', async () => {
      const sdk = cp.sdk(tenantToken());
      const titleOf = async (body: AgentRunParams) => (await sdk.agent.runs.retrieve((await sdk.agent.run(body)).run_id)).title;
      const long = 'x'.repeat(100);

      expect(await titleOf({ prompt: 'p', title: '  Explicit title  ', config: { name: 'cfg' } })).toBe('Explicit title');
      expect(await titleOf({ prompt: 'p', title: '   ', config: { name: 'From config' } })).toBe('From config');
      expect(await titleOf({ prompt: '\n  First line\nsecond line', config: { name: '  ' } })).toBe('First line');
      expect(await titleOf({ prompt: '\n  First line  \t\nsecond line' })).toBe('First line');
      expect(await titleOf({ prompt: 'Windows line\r\nsecond line' })).toBe('Windows line');
      expect(await titleOf({ prompt: 'Old Mac line\rsecond line' })).toBe('Old Mac line');
      expect(await titleOf({ prompt: `${'x'.repeat(76)}😀${'z'.repeat(10)}` })).toBe(`${'x'.repeat(76)}😀...`);
      expect(await titleOf({ prompt: 'y'.repeat(80) })).toBe('y'.repeat(80));
      expect(await titleOf({ prompt: `${long}\nmore` })).toBe(`${'x'.repeat(77)}...`);
      expect(await titleOf({ skill: 'acme/tools:summarise' })).toBe('acme/tools:summarise');
    });

    it('creates a run with an environment as PENDING and one without as QUEUED', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const environmentId = await createEnvironment(cp.request, token);

      const pending = await sdk.agent.run({ prompt: 'On my worker', config: { environment_id: environmentId } });
      const queued = await sdk.agent.run({ prompt: 'On a provider' });

      expect(pending.state).toBe('PENDING');
      expect(queued.state).toBe('QUEUED');
      const run = await sdk.agent.runs.retrieve(pending.run_id);
      expect(run).toMatchObject({ state: 'PENDING', agent_config: { environment_id: environmentId }, is_sandbox_running: false });
      const [row] = await cp.dataSource.query(`SELECT environment_id FROM runs WHERE id = $1`, [pending.run_id]);
      expect(row.environment_id).toBe(environmentId);
    });

    it("refuses an unknown, malformed or another tenant's environment with 404 and creates nothing", async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const othersEnvironment = await createEnvironment(cp.request, tenantToken('other'));

      for (const environmentId of ['5d0c3b5e-8a51-4d7b-9a55-0c1f0e0e0e0e', 'not-a-uuid', othersEnvironment]) {
        const error = await sdkError(sdk.agent.run({ prompt: 'p', config: { environment_id: environmentId } }));
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error.message).toContain(`Environment ${environmentId} not found`);
      }
      expect(await runCount(token)).toBe(0);
    });

    it('rejects malformed fields with 400 naming the field', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const cases: [unknown, string][] = [
        [{ prompt: 'p', images: Array.from({ length: 6 }, () => image('image/png', 'x')) }, 'images may hold at most 5 images'],
        [{ prompt: 'p', images: [image('image/bmp' as 'image/png', 'x')] }, 'mime_type must be one of image/jpeg, image/png, image/gif, image/webp'],
        [{ prompt: 'p', images: [{ data: 'not base64!', mime_type: 'image/png' }] }, 'data must be base64'],
        [{ prompt: 'p', team: 'yes' }, 'team must be a boolean value'],
        [{ prompt: 'p', config: { harness: { type: 'copilot' } } }, 'harness.type must be one of oz, claude, codex, gemini'],
        [{ prompt: 'p', config: { idle_timeout_minutes: 0 } }, 'config.idle_timeout_minutes'],
        [{ prompt: 'p', config: { idle_timeout_minutes: 61 } }, 'config.idle_timeout_minutes'],
        [{ prompt: 'p', config: { mcp_servers: { both: { command: 'x', url: 'https://x' } } } }, 'mcp_servers.both must have exactly one of warp_id, command or url'],
        [{ prompt: 'p', config: { mcp_servers: { bad: { command: 'x', args: [1] } } } }, 'mcp_servers.bad.args must be an array of strings'],
      ];
      for (const [body, message] of cases) {
        const error = await sdkError(sdk.agent.run(body as AgentRunParams));
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.message).toContain(message);
      }
      expect(await runCount(token)).toBe(0);
    });

    it('accepts POST /agent/runs as an alias that behaves exactly like POST /agent/run', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const environmentId = await createEnvironment(cp.request, token);
      const body: AgentRunParams = {
        prompt: 'Same request twice',
        team: true,
        conversation_id: 'conv-1',
        skill: 'acme/tools:fix',
        images: [image('image/gif', 'gif')],
        config: { model_id: 'm1', name: 'aliased', environment_id: environmentId, mcp_servers: { s: { warp_id: 'w' } } },
      };

      const viaSdk = await sdk.agent.run(body);
      const response = await createViaAlias(token, body);
      expect(response.status).toBe(201);
      const viaAlias = (await response.json()) as { run_id: string; task_id: string; state: string };
      expect(viaAlias).toEqual({ run_id: expect.any(String), task_id: viaAlias.run_id, state: 'PENDING' });
      expect(viaAlias.run_id).not.toBe(viaSdk.run_id);

      const comparable = (item: object) => {
        const rest: Partial<RunItem> = { ...(item as RunItem) };
        for (const own of ['run_id', 'task_id', 'created_at', 'updated_at'] as const) delete rest[own];
        return rest;
      };
      const [a, b] = await Promise.all([sdk.agent.runs.retrieve(viaSdk.run_id), sdk.agent.runs.retrieve(viaAlias.run_id)]);
      expect(comparable(b)).toEqual(comparable(a));
      const images = await cp.dataSource.query(`SELECT images FROM runs WHERE id IN ($1, $2)`, [viaSdk.run_id, viaAlias.run_id]);
      expect(images).toEqual([{ images: body.images }, { images: body.images }]);

      const queued = await createViaAlias(token, { prompt: 'No environment' });
      expect(((await queued.json()) as { state: string }).state).toBe('QUEUED');
      const missingPrompt = await createViaAlias(token, { title: 'x' });
      expect(missingPrompt.status).toBe(400);
      expect(((await missingPrompt.json()) as { message: string }).message).toBe(
        'prompt is required unless skill or config.skill_spec is set',
      );
      const unknownEnvironment = await createViaAlias(token, { prompt: 'p', config: { environment_id: 'nope' } });
      expect(unknownEnvironment.status).toBe(404);
    });
  });

  describe('retrieving a run', () => {
    it('returns every RunItem field of a fresh run, with RFC 3339 timestamps', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const before = Date.now();
      const { run_id } = await sdk.agent.run({ prompt: 'Count the tests', config: { model_id: 'm' } });
      const after = Date.now();

      const run = await sdk.agent.runs.retrieve(run_id);
      expect(Object.keys(run).sort()).toEqual(RUN_ITEM_FIELDS);
      expect(run).toEqual({
        run_id,
        task_id: run_id,
        title: 'Count the tests',
        prompt: 'Count the tests',
        state: 'QUEUED',
        created_at: expect.any(String),
        updated_at: run.created_at,
        started_at: null,
        source: 'API',
        agent_config: { model_id: 'm' },
        artifacts: [],
        conversation_id: null,
        creator: { uid: ownerOf(token).creatorUid, type: 'service_account' },
        is_sandbox_running: false,
        scope: { type: 'User' },
        session_link: null,
        status_message: null,
        output: null,
        provider: null,
        attempts: 0,
        worker_id: null,
        request_usage: null,
      });
      expect(new Date(run.created_at).toISOString()).toBe(run.created_at);
      expect(new Date(run.created_at).getTime()).toBeGreaterThanOrEqual(before);
      expect(new Date(run.created_at).getTime()).toBeLessThanOrEqual(after);
    });

    it('shows what a worker recorded: start time, session link, status message, artifacts, running sandbox, which worker', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const environmentId = await createEnvironment(cp.request, token);
      const { run_id } = await sdk.agent.run({ prompt: 'Work', config: { environment_id: environmentId } });
      const artifacts = [
        { artifact_type: 'PULL_REQUEST', created_at: '2026-03-01T10:00:00.000Z', data: { branch: 'fix/login', url: 'https://github.com/acme/app/pull/7' } },
        { artifact_type: 'PLAN', created_at: '2026-03-01T09:00:00.000Z', data: { document_uid: 'doc-1', title: 'Plan' } },
      ];
      await cp.dataSource.query(
        `UPDATE runs SET state = 'INPROGRESS', started_at = '2026-03-01T08:59:00.123Z', updated_at = '2026-03-01T10:00:00.456Z',
                session_link = 'https://sessions.example.com/s/1', status_message = 'Running tests', artifacts = $2::jsonb, worker_id = 'build-3'
         WHERE id = $1`,
        [run_id, JSON.stringify(artifacts)],
      );

      const run = await sdk.agent.runs.retrieve(run_id);
      expect(run).toMatchObject({
        state: 'INPROGRESS',
        started_at: '2026-03-01T08:59:00.123Z',
        updated_at: '2026-03-01T10:00:00.456Z',
        session_link: 'https://sessions.example.com/s/1',
        status_message: { message: 'Running tests' },
        artifacts,
        is_sandbox_running: true,
        worker_id: 'build-3',
      });
    });

    it("answers 404 for an unknown id, a malformed id and another tenant's run, which the admin can see", async () => {
      const owner = tenantToken();
      const { run_id } = await cp.sdk(owner).agent.run({ prompt: 'Mine' });
      const stranger = cp.sdk(tenantToken('stranger'));

      for (const id of ['8f14e45f-ceea-467a-a3c2-3b0b5d0e3d9a', 'not-a-uuid', run_id]) {
        const error = await sdkError(stranger.agent.runs.retrieve(id));
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error.status).toBe(404);
        expect(error.message).toContain(`Run ${id} not found`);
      }
      expect((await cp.sdk().agent.runs.retrieve(run_id)).run_id).toBe(run_id);
    });

    it('refuses a request without a bearer token with 401', async () => {
      const response = await cp.request('/api/v1/agent/runs', { token: null });
      expect(response.status).toBe(401);
      const error = await sdkError(cp.sdk('short').agent.runs.list());
      expect(error).toBeInstanceOf(AuthenticationError);
    });
  });
});
