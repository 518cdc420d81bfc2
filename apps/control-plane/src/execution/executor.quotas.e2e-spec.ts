import { createTestDatabase, startFakeOpenAiServer, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import { startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { auditRunTransitions } from '../testing/run-audit';
import { inState, waitForRun } from '../testing/run-polling';

/**
 * Quotas under real concurrency: two control-plane replicas on one database, each executing several
 * runs at once, share one rolling window per provider. The limited provider gets exactly its limit;
 * every other run falls back; no run is executed twice.
 */
describe('provider quotas across replicas', () => {
  const LIMIT = 5;
  const RUNS = 16;
  let database: TestDatabase;
  let limited: FakeLlmServer;
  let fallback: FakeLlmServer;
  let replicas: ControlPlaneHarness[];

  beforeAll(async () => {
    database = await createTestDatabase('oz_cp_quota');
    [limited, fallback] = await Promise.all([startFakeOpenAiServer(), startFakeOpenAiServer()]);
    // Slow answers keep many runs in flight at once, which is when a racy quota would overspend.
    for (const server of [limited, fallback]) server.script(() => ({ kind: 'answer', chunks: ['a', 'b', 'c'], chunkDelayMs: 40 }));
    const env = {
      OZ_EXECUTOR_CONCURRENCY: '6',
      OZ_EXECUTOR_POLL_INTERVAL_MS: '200',
      OZ_PROVIDER_GLM_MODEL: 'glm-test',
      OZ_PROVIDER_GLM_BASE_URL: limited.url,
      OZ_PROVIDER_GLM_MSG_LIMIT: String(LIMIT),
      OZ_PROVIDER_GLM_WINDOW_SECONDS: '3600',
      OZ_PROVIDER_KIMI_MODEL: 'kimi-test',
      OZ_PROVIDER_KIMI_BASE_URL: fallback.url,
      OZ_PROVIDER_FALLBACK_ORDER: 'kimi',
    };
    replicas = [await startControlPlane(env, database), await startControlPlane(env, database)];
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all([limited.close(), fallback.close()]);
    await database.drop();
  });

  it('spends exactly the limit on the limited provider and falls back for the rest, each run once', async () => {
    const transitionsOf = await auditRunTransitions(database.url);
    const sdk = replicas[0].sdk('quota-tenant-token');
    const created = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => sdk.agent.run({ prompt: `task ${i}`, config: { model_id: 'glm-4.6' } })),
    );
    const runs = await Promise.all(created.map(({ run_id }) => waitForRun(sdk, run_id, inState('SUCCEEDED', 'FAILED'), 30_000)));

    expect(runs.map((run) => run.state)).toEqual(Array(RUNS).fill('SUCCEEDED'));
    expect(limited.requests).toHaveLength(LIMIT);
    expect(fallback.requests).toHaveLength(RUNS - LIMIT);
    expect(runs.filter((run) => run.provider?.key === 'glm')).toHaveLength(LIMIT);
    expect(runs.filter((run) => run.provider?.key === 'kimi')).toHaveLength(RUNS - LIMIT);
    // Every prompt reached a provider exactly once, with several calls in flight at a time.
    const prompts = [...limited.requests, ...fallback.requests].map((request) => request.prompt).sort();
    expect(prompts).toEqual(Array.from({ length: RUNS }, (_, i) => `task ${i}`).sort());
    expect(limited.maxInFlight + fallback.maxInFlight).toBeGreaterThan(2);
    for (const run of runs) {
      expect((await transitionsOf(run.run_id)).map((t) => t.to)).toEqual(['INPROGRESS', 'SUCCEEDED']);
    }

    const status = await (await replicas[1].request('/api/v1/admin/providers')).json();
    const glm = status.providers.find((p: { key: string }) => p.key === 'glm');
    expect(glm.quota).toMatchObject({ limit: LIMIT, window_seconds: 3600, used: LIMIT, remaining: 0 });
    expect(new Date(glm.quota.next_free_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
  }, 60_000);
});
