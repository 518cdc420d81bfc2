import { startFakeAnthropicServer, startFakeOpenAiServer, type FakeLlmServer } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const PRIMARY_KEY = 'primary-key.0123456789abcdef';
const BACKUP_KEY = 'backup-key.fedcba9876543210';

/**
 * What a tenant learns about its failed run: that no provider could answer, and the reason when the
 * provider refused the request itself; never the deployment's providers, their models, URLs, keys or
 * quotas. The admin sees the whole story in `status_message.detail`.
 */
describe('a failed provider run, as its tenant sees it', () => {
  let primary: FakeLlmServer;
  let backup: FakeLlmServer;
  let cp: ControlPlaneHarness;
  const token = tenantToken('failures');
  const finished = inState('SUCCEEDED', 'FAILED', 'CANCELLED');

  beforeAll(async () => {
    primary = await startFakeOpenAiServer({ apiKey: PRIMARY_KEY });
    backup = await startFakeAnthropicServer({ apiKey: BACKUP_KEY });
    cp = await startControlPlane({
      OZ_EXECUTOR_CONCURRENCY: '2',
      OZ_EXECUTOR_POLL_INTERVAL_MS: '200',
      OZ_PROVIDER_CUSTOM_MODEL: 'primary-model-x1',
      OZ_PROVIDER_CUSTOM_BASE_URL: primary.url,
      OZ_PROVIDER_CUSTOM_API_KEY: PRIMARY_KEY,
      OZ_PROVIDER_INTERNALGW_TYPE: 'anthropic',
      OZ_PROVIDER_INTERNALGW_MODEL: 'backup-model-z9',
      OZ_PROVIDER_INTERNALGW_BASE_URL: backup.url,
      OZ_PROVIDER_INTERNALGW_API_KEY: BACKUP_KEY,
      OZ_PROVIDER_INTERNALGW_MSG_LIMIT: '7',
      OZ_PROVIDER_INTERNALGW_WINDOW_SECONDS: '3600',
      OZ_PROVIDER_FALLBACK_ORDER: 'internalgw',
    });
  });
  afterAll(async () => {
    await cp.close();
    await Promise.all([primary.close(), backup.close()]);
  });
  beforeEach(() => {
    primary.reset();
    backup.reset();
  });

  /** Everything a tenant could learn of the deployment's providers from a run. */
  const operatorDetails = () => [
    'internalgw',
    'primary-model-x1',
    'backup-model-z9',
    primary.url,
    backup.url,
    new URL(backup.url).host,
    PRIMARY_KEY,
    BACKUP_KEY,
    'of 7 calls',
    'HTTP 5',
    'HTTP 401',
    'OZ_PROVIDER',
  ];

  it('names none of the other providers when every one failed; the admin sees which and why', async () => {
    primary.enqueue({ kind: 'status', status: 503, message: 'primary overloaded' });
    backup.enqueue({ kind: 'status', status: 401, message: `invalid x-api-key for ${backup.url}` });
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'help' });
    const run = await waitForRun(cp.sdk(token), run_id, finished);

    expect(run.state).toBe('FAILED');
    expect(run.status_message).toEqual({ message: expect.stringMatching(/^No provider could answer this run/) });
    expect(run.provider).toBeNull();
    const seen = JSON.stringify(run);
    for (const detail of operatorDetails()) expect(`${detail}: ${seen.includes(detail)}`).toBe(`${detail}: false`);

    const asAdmin = await retrieveRun(cp.sdk(), run_id);
    expect(asAdmin.status_message?.detail).toMatch(/custom: HTTP 503: primary overloaded/);
    expect(asAdmin.status_message?.detail).toMatch(/internalgw: HTTP 401/);
    expect(asAdmin.provider).toMatchObject({ key: 'internalgw', model: 'backup-model-z9' });
    expect(JSON.stringify(asAdmin)).not.toContain(BACKUP_KEY);
  });

  it('tells the tenant its own request’s reason when a provider refused the request itself', async () => {
    primary.enqueue({ kind: 'status', status: 400, message: 'prompt is too long: 250000 tokens > 200000 maximum' });
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'a very long prompt' });
    const run = await waitForRun(cp.sdk(token), run_id, finished);

    expect(run.state).toBe('FAILED');
    expect(run.status_message?.message).toBe(
      'No provider could answer this run: the provider refused its request (HTTP 400: prompt is too long: 250000 tokens > 200000 maximum)',
    );
    const seen = JSON.stringify(run);
    for (const detail of operatorDetails()) expect(`${detail}: ${seen.includes(detail)}`).toBe(`${detail}: false`);
    // A refused request is not retried elsewhere: another provider would refuse it too.
    expect(backup.requests).toHaveLength(0);
  });
});
