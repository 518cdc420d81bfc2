import { createTestDatabase, queryOnce, startFakeOpenAiServer, type FakeLlmServer, type TestDatabase } from '@oz/testing';
import OzAPI from 'oz-agent-sdk';
import { secretsKeyFor, startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { buildControlPlane, freePort, startControlPlaneProcess, waitForHealth } from '../testing/control-plane-process';
import { auditRunTransitions } from '../testing/run-audit';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

/**
 * A replica that dies mid-run must not lose the run, nor run it twice to completion: its lease lapses
 * and another replica takes the run over. The dying replica is a real process killed with SIGKILL,
 * so nothing of it gets to clean up.
 */
describe('provider runs survive the replica that executes them', () => {
  const ADMIN_KEY = 'recovery-test-admin-key-0123456789';
  let database: TestDatabase;
  let provider: FakeLlmServer;
  let transitionsOf: Awaited<ReturnType<typeof auditRunTransitions>>;

  const providerEnv = () => ({
    OZ_PROVIDER_CUSTOM_MODEL: 'fake-model',
    OZ_PROVIDER_CUSTOM_BASE_URL: provider.url,
  });

  beforeAll(async () => {
    buildControlPlane();
    database = await createTestDatabase('oz_cp_recovery');
    provider = await startFakeOpenAiServer();
  }, 300_000);
  afterAll(async () => {
    await provider.close();
    await database.drop();
  });
  beforeEach(() => provider.reset());

  /** A control plane in its own process, executing provider runs with a short lease. */
  async function startDoomedReplica() {
    const port = await freePort();
    const server = startControlPlaneProcess([], {
      DATABASE_URL: database.url,
      OZ_ADMIN_API_KEY: ADMIN_KEY,
      OZ_SECRETS_KEY: secretsKeyFor(database),
      HOST: '127.0.0.1',
      PORT: String(port),
      OZ_LOG_LEVEL: 'warn',
      OZ_SCHEDULER_ENABLED: 'false',
      OZ_EXECUTOR_LEASE_SECONDS: '3',
      ...providerEnv(),
    });
    await waitForHealth(`http://127.0.0.1:${port}/health`, server.exit, server.output);
    transitionsOf ??= await auditRunTransitions(database.url);
    return { ...server, origin: `http://127.0.0.1:${port}` };
  }

  /** The surviving replica: in-process, same database, polling often so the takeover is prompt. */
  function startSurvivor(): Promise<ControlPlaneHarness> {
    return startControlPlane(
      { OZ_EXECUTOR_CONCURRENCY: '4', OZ_EXECUTOR_LEASE_SECONDS: '3', OZ_EXECUTOR_POLL_INTERVAL_MS: '200', ...providerEnv() },
      database,
    );
  }

  /** Creates a run through the doomed replica and waits until its executor is calling the provider. */
  async function runHeldByDoomedReplica(prompt: string) {
    const doomed = await startDoomedReplica();
    const sdk = new OzAPI({ apiKey: ADMIN_KEY, baseURL: `${doomed.origin}/api/v1`, maxRetries: 0, logLevel: 'off' });
    const { run_id } = await sdk.agent.run({ prompt });
    await provider.waitForRequests(1);
    const [row] = await queryOnce<{ lease_owner: string; state: string }>(
      database.url,
      `SELECT lease_owner, state FROM runs WHERE id = '${run_id}'`,
    );
    expect(row).toEqual({ lease_owner: expect.stringContaining(`/${doomed.child.pid}/`), state: 'INPROGRESS' });
    doomed.child.kill('SIGKILL');
    await doomed.exit;
    return run_id;
  }

  it('recovers a run whose replica was killed mid-call, and completes it exactly once', async () => {
    // The first call hangs (the provider is thinking when the replica dies); later calls answer.
    provider.script((_request, index) => (index === 0 ? { kind: 'hang' } : { kind: 'answer', text: 'recovered answer' }));
    const runId = await runHeldByDoomedReplica('survive the crash');
    const survivor = await startSurvivor();
    try {
      const run = await waitForRun(survivor.sdk(), runId, inState('SUCCEEDED', 'FAILED'), 20_000);
      expect(run.state).toBe('SUCCEEDED');
      expect(run.output).toBe('recovered answer');
      expect(provider.requests.filter((r) => r.prompt === 'survive the crash')).toHaveLength(2);
      const transitions = await transitionsOf(runId);
      expect(transitions.filter((t) => t.to === 'SUCCEEDED')).toHaveLength(1);
      expect(transitions.at(-1)).toEqual({ from: 'INPROGRESS', to: 'SUCCEEDED' });
      const [row] = await queryOnce<{ lease_recoveries: number }>(database.url, `SELECT lease_recoveries FROM runs WHERE id = '${runId}'`);
      expect(row?.lease_recoveries).toBe(1);
    } finally {
      await survivor.close();
    }
  }, 60_000);

  it('never completes a run cancelled while its dead replica still held the lease', async () => {
    provider.script(() => ({ kind: 'hang' }));
    const runId = await runHeldByDoomedReplica('cancel me while orphaned');
    const survivor = await startSurvivor();
    try {
      await survivor.sdk().agent.runs.cancel(runId);
      provider.script(() => ({ kind: 'answer', text: 'too late' }));
      // Well past the lease (3 s) and several polls: a buggy executor would have taken it over by now.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const run = await retrieveRun(survivor.sdk(), runId);
      expect(run.state).toBe('CANCELLED');
      expect(run.output).toBeNull();
      expect(provider.requests.filter((r) => r.prompt === 'cancel me while orphaned')).toHaveLength(1);
      expect((await transitionsOf(runId)).map((t) => t.to)).toEqual(['INPROGRESS', 'CANCELLED']);
    } finally {
      await survivor.close();
    }
  }, 60_000);

  it('keeps a run that outlasts its lease: renewals stop another replica from taking it over', async () => {
    // Seven seconds of streaming against a three-second lease, with a second replica polling hard.
    provider.script(() => ({ kind: 'answer', chunks: ['slow ', 'but ', 'steady'], chunkDelayMs: 3_500 }));
    const first = await startSurvivor();
    const second = await startSurvivor();
    try {
      const { run_id } = await first.sdk().agent.run({ prompt: 'take your time' });
      const run = await waitForRun(second.sdk(), run_id, inState('SUCCEEDED', 'FAILED'), 20_000);
      expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'slow but steady' });
      expect(provider.requests.filter((r) => r.prompt === 'take your time')).toHaveLength(1);
      const [row] = await queryOnce<{ lease_recoveries: number }>(database.url, `SELECT lease_recoveries FROM runs WHERE id = '${run_id}'`);
      expect(row?.lease_recoveries).toBe(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 60_000);

  it('hands its runs back on a graceful shutdown, so another replica takes them at once', async () => {
    provider.script((_request, index) => (index === 0 ? { kind: 'hang' } : { kind: 'answer', text: 'second replica answer' }));
    // A long lease: only the hand-back, not a lapse, can explain a prompt takeover.
    const longLease = { OZ_EXECUTOR_LEASE_SECONDS: '120' };
    const first = await startControlPlane({ OZ_EXECUTOR_CONCURRENCY: '2', ...longLease, ...providerEnv() }, database);
    const { run_id } = await first.sdk().agent.run({ prompt: 'hand me over' });
    await provider.waitForRequests(1);
    await first.close();
    expect(await provider.waitForAbort(0).then(() => 'aborted')).toBe('aborted');
    const [handedBack] = await queryOnce<{ state: string; lease_owner: string | null }>(
      database.url,
      `SELECT state, lease_owner FROM runs WHERE id = '${run_id}'`,
    );
    expect(handedBack).toEqual({ state: 'QUEUED', lease_owner: null });

    const second = await startControlPlane(
      { OZ_EXECUTOR_CONCURRENCY: '2', OZ_EXECUTOR_POLL_INTERVAL_MS: '200', ...longLease, ...providerEnv() },
      database,
    );
    try {
      const run = await waitForRun(second.sdk(), run_id, inState('SUCCEEDED', 'FAILED'), 10_000);
      expect(run).toMatchObject({ state: 'SUCCEEDED', output: 'second replica answer' });
      const [row] = await queryOnce<{ lease_recoveries: number }>(database.url, `SELECT lease_recoveries FROM runs WHERE id = '${run_id}'`);
      expect(row?.lease_recoveries).toBe(0);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('fails a run that keeps taking its replicas down, after OZ_EXECUTOR_MAX_RECOVERIES takeovers', async () => {
    const survivor = await startSurvivor();
    try {
      const { run_id } = await survivor.sdk().agent.run({ prompt: 'poison' });
      await waitForRun(survivor.sdk(), run_id, inState('SUCCEEDED'));
      // Pretend three replicas died holding it: a lapsed lease that was already taken over 3 times.
      await queryOnce(
        database.url,
        `UPDATE runs SET state = 'INPROGRESS', completed_at = NULL, lease_owner = 'dead-replica', lease_recoveries = 3,
                lease_expires_at = now() - interval '1 second' WHERE id = '${run_id}'`,
      );
      const run = await waitForRun(survivor.sdk(), run_id, inState('FAILED'), 10_000);
      expect(run.status_message?.message).toMatch(/interrupted 4 times.*OZ_EXECUTOR_MAX_RECOVERIES=3/);
    } finally {
      await survivor.close();
    }
  }, 60_000);
});
