import { RUN_STATES, type RunState } from '@oz/contract';
import { RunEntity } from './run.entity';
import { toRunItem, toRunResponse } from './run.mapper';

function run(overrides: Partial<RunEntity> = {}): RunEntity {
  return Object.assign(new RunEntity(), {
    id: '3f0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c11',
    tenantKey: 'secret-tenant-hash',
    creatorUid: 'tenant_0123456789abcdef',
    title: 'Fix it',
    prompt: 'Fix the bug',
    state: 'QUEUED',
    source: 'API',
    environmentId: null,
    modelId: null,
    configName: null,
    skillSpec: null,
    workerHost: null,
    scheduleId: null,
    schedule: null,
    scheduledFor: null,
    conversationId: null,
    team: false,
    agentConfig: {},
    mcpSecretsCiphertext: null,
    taskEnvCiphertext: null,
    images: [{ data: 'aW1hZ2U=', mime_type: 'image/png' }],
    artifacts: [],
    sessionLink: null,
    statusMessage: null,
    statusDetail: null,
    output: null,
    providerKey: null,
    providerType: null,
    providerModel: null,
    attempts: 0,
    idempotencyKey: 'key-1',
    requestFingerprint: 'abc',
    createdAt: new Date('2026-01-01T10:00:00.123Z'),
    updatedAt: new Date('2026-01-01T10:05:00.456Z'),
    startedAt: null,
    completedAt: null,
    ...overrides,
  } satisfies RunEntity);
}

describe('run mapper', () => {
  it('says which worker holds a worker run (worker_id)', () => {
    expect(toRunItem(run({ state: 'INPROGRESS', environmentId: '5b0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c22', workerId: 'build-1' })).worker_id).toBe('build-1');
  });

  it('maps a run to the RunItem wire shape, with task_id as a copy of run_id and RFC 3339 times', () => {
    expect(toRunItem(run())).toEqual({
      run_id: '3f0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c11',
      task_id: '3f0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c11',
      title: 'Fix it',
      prompt: 'Fix the bug',
      state: 'QUEUED',
      created_at: '2026-01-01T10:00:00.123Z',
      updated_at: '2026-01-01T10:05:00.456Z',
      started_at: null,
      source: 'API',
      agent_config: {},
      artifacts: [],
      conversation_id: null,
      creator: { uid: 'tenant_0123456789abcdef', type: 'service_account' },
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
  });

  it('shows the LLM gateway usage in all and per provider, in key order', () => {
    const item = toRunItem(
      run({
        requestUsage: {
          calls: 3,
          failed_calls: 1,
          input_tokens: 120,
          output_tokens: 45,
          providers: { zai: { calls: 1, failed_calls: 1, input_tokens: 0, output_tokens: 0 }, claude: { calls: 2, failed_calls: 0, input_tokens: 120, output_tokens: 45 } },
        },
      }),
    );
    expect(item.request_usage).toEqual({
      calls: 3,
      failed_calls: 1,
      input_tokens: 120,
      output_tokens: 45,
      by_provider: [
        { provider: 'claude', calls: 2, failed_calls: 0, input_tokens: 120, output_tokens: 45 },
        { provider: 'zai', calls: 1, failed_calls: 1, input_tokens: 0, output_tokens: 0 },
      ],
    });
  });

  it('shows the answer of a provider run and who gave it', () => {
    const item = toRunItem(
      run({ state: 'SUCCEEDED', output: 'Done.', providerKey: 'glm', providerType: 'openai_compatible', providerModel: 'glm-4.6' }),
    );
    expect(item.output).toBe('Done.');
    expect(item.provider).toEqual({ key: 'glm', type: 'openai_compatible', model: 'glm-4.6' });
  });

  it('never exposes images, the tenant key, the idempotency key or the request fingerprint', () => {
    const json = JSON.stringify(toRunItem(run()));
    for (const secret of ['aW1hZ2U=', 'secret-tenant-hash', 'key-1', '"abc"', 'images', 'tenant_key']) {
      expect(json).not.toContain(secret);
    }
  });

  it('shows a started, team-scoped run with its status message, session link and conversation', () => {
    const item = toRunItem(
      run({
        team: true,
        startedAt: new Date('2026-01-01T10:01:00.000Z'),
        statusMessage: 'Cloning',
        sessionLink: 'https://sessions.example.com/1',
        conversationId: 'conv-1',
      }),
    );
    expect(item).toMatchObject({
      scope: { type: 'Team' },
      started_at: '2026-01-01T10:01:00.000Z',
      status_message: { message: 'Cloning' },
      session_link: 'https://sessions.example.com/1',
      conversation_id: 'conv-1',
    });
  });

  it('tells the admin the detail behind a status message, and tenants the message only', () => {
    const failed = run({ state: 'FAILED', statusMessage: 'No provider could answer this run', statusDetail: 'claude: HTTP 401: bad key' });
    expect(toRunItem(failed).status_message).toEqual({ message: 'No provider could answer this run' });
    expect(toRunItem(failed, { isAdmin: false }).status_message).toEqual({ message: 'No provider could answer this run' });
    expect(toRunItem(failed, { isAdmin: true }).status_message).toEqual({ message: 'No provider could answer this run', detail: 'claude: HTTP 401: bad key' });
  });

  it('never shows the credentials of a URL in the output or status, nor an MCP secret in the config', () => {
    const item = toRunItem(
      run({
        output: 'cloned https://x-access-token:ghp_secret1@github.com/o/r',
        statusMessage: 'fatal: https://u:ghp_secret2@github.com/o/r not found',
        agentConfig: { mcp_servers: { gh: { url: 'https://mcp.example.com', headers: { Authorization: 'Bearer ghp_secret3' } } } },
      }),
      { isAdmin: true },
    );
    expect(item.output).toBe('cloned https://***@github.com/o/r');
    expect(item.status_message?.message).toBe('fatal: https://***@github.com/o/r not found');
    expect(item.agent_config.mcp_servers?.['gh']?.headers).toEqual({ Authorization: '<redacted>' });
    expect(JSON.stringify(item)).not.toMatch(/ghp_secret/);
  });

  it.each([
    ['acme/tools:triage', 'triage'],
    ['tools:triage', 'triage'],
    ['acme/tools:skills/deploy', 'deploy'],
    ['acme/tools:skills/deploy/SKILL.md', 'deploy'],
    ['acme/tools:skills/deploy/skill.md', 'deploy'],
    ['triage', 'triage'],
  ])('names the skill of %s "%s"', (spec, name) => {
    expect(toRunItem(run({ skillSpec: spec })).agent_skill).toEqual({ full_path: spec, name });
  });

  it('has no agent_skill and no schedule for a run without them', () => {
    const item = toRunItem(run());
    expect(item).not.toHaveProperty('agent_skill');
    expect(item).not.toHaveProperty('schedule');
  });

  it('carries the schedule a run was fired by', () => {
    const schedule = { schedule_id: '0b5e', schedule_name: 'nightly', cron_schedule: '0 3 * * *' };
    expect(toRunItem(run({ schedule, source: 'SCHEDULED_AGENT' })).schedule).toEqual(schedule);
  });

  it('reports a running sandbox only for a claimed run or a worker run in progress', () => {
    const running = (state: RunState, environmentId: string | null) =>
      toRunItem(run({ state, environmentId })).is_sandbox_running;
    const env = '9a1b2c3d-0000-4000-8000-000000000001';

    expect(RUN_STATES.filter((s) => running(s, env))).toEqual(['CLAIMED', 'INPROGRESS']);
    // A provider run (no environment) never has a sandbox of ours, even in progress.
    expect(running('INPROGRESS', null)).toBe(false);
  });

  it('answers a create with run_id, task_id and state only', () => {
    expect(toRunResponse(run({ state: 'PENDING' }))).toEqual({
      run_id: '3f0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c11',
      task_id: '3f0c1e52-6f5b-4a4e-9d5c-2f1a7b9e0c11',
      state: 'PENDING',
    });
  });
});
