import { createTestDatabase, startFakeOpenAiServer, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

/**
 * Saturation: when every provider of a run is at its quota (or resting after a 429), the run waits
 * in the queue until the earliest slot frees, within OZ_QUEUE_MAX_WAIT_SECONDS, and otherwise fails
 * saying why. Each case gets its own control plane, since queueing is configured per deployment.
 */
describe('queueing on saturation', () => {
  let provider: FakeLlmServer;
  let backup: FakeLlmServer;
  const planes: ControlPlaneHarness[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    [provider, backup] = await Promise.all([startFakeOpenAiServer(), startFakeOpenAiServer()]);
  });
  afterAll(async () => {
    await Promise.all(planes.map((plane) => plane.close()));
    await Promise.all(databases.map((database) => database.drop()));
    await Promise.all([provider.close(), backup.close()]);
  });
  beforeEach(() => {
    provider.reset();
    backup.reset();
  });

  async function controlPlane(env: Record<string, string>): Promise<ControlPlaneHarness> {
    const database = await createTestDatabase('oz_cp_queue');
    databases.push(database);
    const plane = await startControlPlane(
      {
        OZ_EXECUTOR_CONCURRENCY: '4',
        OZ_EXECUTOR_POLL_INTERVAL_MS: '5000', // long: the requeue timer, not the poll, must wake the run
        OZ_PROVIDER_CUSTOM_MODEL: 'limited',
        OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
        ...env,
      },
      database,
    );
    planes.push(plane);
    return plane;
  }

  const finished = inState('SUCCEEDED', 'FAILED', 'CANCELLED');

  it('waits for the slot the rolling window frees, then runs', async () => {
    const cp = await controlPlane({ OZ_PROVIDER_CUSTOM_MSG_LIMIT: '1', OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '2' });
    const sdk = cp.sdk('queue-tenant');
    const first = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'first' })).run_id, finished);
    expect(first.state).toBe('SUCCEEDED');

    const { run_id } = await sdk.agent.run({ prompt: 'second' });
    const waiting = await waitForRun(sdk, run_id, (run) => run.status_message?.message.startsWith('Waiting for a provider to have room') ?? false);
    expect(waiting.state).toBe('QUEUED');
    // Quotas are the operator's: the tenant learns until when, the admin which provider is full.
    expect(waiting.status_message).toEqual({ message: expect.not.stringContaining('custom') });
    expect((await retrieveRun(cp.sdk(), run_id)).status_message?.detail).toMatch(/custom: 1 of 1 calls in 2 s used, free at /);

    const second = await waitForRun(sdk, run_id, finished, 10_000);
    expect(second).toMatchObject({ state: 'SUCCEEDED', output: 'echo: second' });
    const [firstCall, secondCall] = provider.requests;
    // The slot frees when the first use leaves the 2 s window, not before (a few ms of clock slack).
    expect(secondCall.receivedAt - firstCall.receivedAt).toBeGreaterThanOrEqual(1_950);
    expect(secondCall.receivedAt - firstCall.receivedAt).toBeLessThan(4_000);
  });

  it('fails at once, naming the saturated providers, when OZ_QUEUE_ON_SATURATION=false', async () => {
    const cp = await controlPlane({
      OZ_PROVIDER_CUSTOM_MSG_LIMIT: '1',
      OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '600',
      OZ_QUEUE_ON_SATURATION: 'false',
    });
    const sdk = cp.sdk('no-queue-tenant');
    await waitForRun(sdk, (await sdk.agent.run({ prompt: 'takes the only slot' })).run_id, finished);
    const run = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'finds none' })).run_id, finished);
    expect(run.state).toBe('FAILED');
    expect(run.status_message?.message).toMatch(/^No provider could answer this run: every provider it could use stayed busy/);
    expect((await retrieveRun(cp.sdk(), run.run_id)).status_message?.detail).toMatch(
      /saturated and queueing is off \(OZ_QUEUE_ON_SATURATION\): custom: 1 of 1 calls/,
    );
    expect(provider.requests).toHaveLength(1);
  });

  it('fails when no slot frees within OZ_QUEUE_MAX_WAIT_SECONDS', async () => {
    const cp = await controlPlane({
      OZ_PROVIDER_CUSTOM_MSG_LIMIT: '1',
      OZ_PROVIDER_CUSTOM_WINDOW_SECONDS: '600',
      OZ_QUEUE_MAX_WAIT_SECONDS: '5',
    });
    const sdk = cp.sdk('impatient-tenant');
    await waitForRun(sdk, (await sdk.agent.run({ prompt: 'takes the only slot' })).run_id, finished);
    const run = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'would wait ten minutes' })).run_id, finished);
    expect(run.state).toBe('FAILED');
    expect(run.status_message?.message).toMatch(/^No provider could answer this run: every provider it could use stayed busy/);
    expect((await retrieveRun(cp.sdk(), run.run_id)).status_message?.detail).toMatch(
      /no slot frees within the queue limit of 5 s \(OZ_QUEUE_MAX_WAIT_SECONDS/,
    );
  });

  it('avoids a provider that answered 429 until its Retry-After, falling back meanwhile', async () => {
    const cp = await controlPlane({
      OZ_PROVIDER_BACKUP_MODEL: 'backup',
      OZ_PROVIDER_BACKUP_BASE_URL: backup.url,
      OZ_PROVIDER_FALLBACK_ORDER: 'backup',
    });
    const sdk = cp.sdk('rate-limited-tenant');
    provider.enqueue({ kind: 'status', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '30' } });
    const first = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'meets the 429' })).run_id, finished);
    expect(first).toMatchObject({ state: 'SUCCEEDED', provider: { key: 'backup' } });

    const second = await waitForRun(sdk, (await sdk.agent.run({ prompt: 'goes straight to the backup' })).run_id, finished);
    expect(second).toMatchObject({ state: 'SUCCEEDED', provider: { key: 'backup' } });
    expect(provider.requests).toHaveLength(1);

    const status = await (await cp.request('/api/v1/admin/providers')).json();
    const custom = status.providers.find((p: { key: string }) => p.key === 'custom');
    const blockedFor = new Date(custom.blocked_until).getTime() - Date.now();
    expect(blockedFor).toBeGreaterThan(20_000);
    expect(blockedFor).toBeLessThanOrEqual(30_000);
    expect(custom.blocked_reason).toMatch(/HTTP 429: Rate limit reached/);
  });
});
