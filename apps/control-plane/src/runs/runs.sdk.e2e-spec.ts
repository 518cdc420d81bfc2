import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';

describe('runs through the official oz-agent-sdk', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

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
});
