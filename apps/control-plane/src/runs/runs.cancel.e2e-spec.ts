import { BadRequestError, NotFoundError } from 'oz-agent-sdk';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { createEnvironment, rowSnapshot, sdkError } from '../testing/run-fixtures';

describe('cancelling runs through the official oz-agent-sdk', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
    // Every UPDATE that reaches a runs row is written down, so a test can count state changes exactly.
    await cp.dataSource.query(`
      CREATE TABLE run_updates (run_id uuid, old_state text, new_state text, updated_at timestamptz, completed_at timestamptz);
      CREATE FUNCTION log_run_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO run_updates VALUES (NEW.id, OLD.state, NEW.state, NEW.updated_at, NEW.completed_at);
        RETURN NEW;
      END $$;
      CREATE TRIGGER runs_log_update AFTER UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION log_run_update();
    `);
  });
  afterAll(() => cp.close());

  async function updatesOf(runId: string): Promise<{ old_state: string; new_state: string; updated_at: Date; completed_at: Date }[]> {
    return cp.dataSource.query(`SELECT old_state, new_state, updated_at, completed_at FROM run_updates WHERE run_id = $1`, [runId]);
  }

  /** Puts a run into `state` behind the API's back, as a worker or the provider router would. */
  async function forceState(runId: string, state: string, finishedAt = '2026-01-02T03:04:05.678Z'): Promise<void> {
    await cp.dataSource.query(
      `UPDATE runs SET state = $2, updated_at = $3, completed_at = CASE WHEN $2 IN ('SUCCEEDED','FAILED','CANCELLED') THEN $3::timestamptz END,
              status_message = 'set by the test'
       WHERE id = $1`,
      [runId, state, finishedAt],
    );
    await cp.dataSource.query(`DELETE FROM run_updates WHERE run_id = $1`, [runId]);
  }

  it('cancels a QUEUED run and answers the bare run id as text', async () => {
    const sdk = cp.sdk(tenantToken());
    const { run_id } = await sdk.agent.run({ prompt: 'Soon cancelled' });
    const before = await sdk.agent.runs.retrieve(run_id);

    const answer = await sdk.agent.runs.cancel(run_id);
    expect(answer).toBe(run_id);

    const run = await sdk.agent.runs.retrieve(run_id);
    expect(run).toMatchObject({ state: 'CANCELLED', status_message: { message: 'Cancelled by request' } });
    expect(Date.parse(run.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
    const [row] = await cp.dataSource.query(`SELECT completed_at, updated_at FROM runs WHERE id = $1`, [run_id]);
    expect(row.completed_at).toBeInstanceOf(Date);
    expect(row.updated_at.toISOString()).toBe(run.updated_at);
    expect(await updatesOf(run_id)).toHaveLength(1);
  });

  it('answers cancel with Content-Type text/plain and the id unquoted, which both official SDKs read as the id', async () => {
    const token = tenantToken();
    const { run_id } = await cp.sdk(token).agent.run({ prompt: 'p' });
    const response = await cp.request(`/api/v1/agent/runs/${run_id}/cancel`, { token, method: 'POST' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(run_id);
  });

  it('cancels a PENDING run waiting for a worker', async () => {
    const token = tenantToken();
    const sdk = cp.sdk(token);
    const environmentId = await createEnvironment(cp.request, token);
    const { run_id, state } = await sdk.agent.run({ prompt: 'On a worker', config: { environment_id: environmentId } });
    expect(state).toBe('PENDING');

    expect(await sdk.agent.runs.cancel(run_id)).toBe(run_id);
    expect(await sdk.agent.runs.retrieve(run_id)).toMatchObject({
      state: 'CANCELLED',
      status_message: { message: 'Cancelled by request' },
    });
  });

  it.each(['CLAIMED', 'INPROGRESS'])('cancels a %s run', async (state) => {
    const sdk = cp.sdk(tenantToken());
    const { run_id } = await sdk.agent.run({ prompt: 'Busy' });
    await forceState(run_id, state);

    expect(await sdk.agent.runs.cancel(run_id)).toBe(run_id);
    expect((await sdk.agent.runs.retrieve(run_id)).state).toBe('CANCELLED');
    expect((await updatesOf(run_id)).map((u) => [u.old_state, u.new_state])).toEqual([[state, 'CANCELLED']]);
  });

  it.each(['SUCCEEDED', 'FAILED', 'CANCELLED'])(
    'refuses to cancel a run that already %s with 400 and leaves the row byte-for-byte unchanged',
    async (state) => {
      const sdk = cp.sdk(tenantToken());
      const { run_id } = await sdk.agent.run({ prompt: 'Done already' });
      await forceState(run_id, state);
      const before = await rowSnapshot(cp.dataSource, run_id);

      const error = await sdkError(sdk.agent.runs.cancel(run_id));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.status).toBe(400);
      expect(error.message).toContain(`already finished as ${state}`);

      expect(await rowSnapshot(cp.dataSource, run_id)).toEqual(before);
      expect(before).toMatchObject({
        state,
        updated_at: '2026-01-02T03:04:05.678+00:00',
        completed_at: '2026-01-02T03:04:05.678+00:00',
        status_message: 'set by the test',
      });
      expect(await updatesOf(run_id)).toEqual([]);
    },
  );

  it('lets exactly one of 20 concurrent cancels win; the others get 400 and change nothing', async () => {
    const sdk = cp.sdk(tenantToken());
    const { run_id } = await sdk.agent.run({ prompt: 'Contested' });

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sdk.agent.runs.cancel(run_id)));

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toEqual([{ status: 'fulfilled', value: run_id }]);
    expect(lost).toHaveLength(19);
    for (const { reason } of lost) {
      expect(reason).toBeInstanceOf(BadRequestError);
      expect((reason as BadRequestError).message).toContain('already finished as CANCELLED');
    }

    // One transition, and the row holds exactly what that transition wrote.
    const updates = await updatesOf(run_id);
    expect(updates.map((u) => [u.old_state, u.new_state])).toEqual([['QUEUED', 'CANCELLED']]);
    const [row] = await cp.dataSource.query(`SELECT state, updated_at, completed_at FROM runs WHERE id = $1`, [run_id]);
    expect(row).toEqual({ state: 'CANCELLED', updated_at: updates[0].updated_at, completed_at: updates[0].completed_at });
    expect((await sdk.agent.runs.retrieve(run_id)).updated_at).toBe(updates[0].updated_at.toISOString());
  });

  it("answers 404 for another tenant's run and leaves it QUEUED; the admin may cancel it", async () => {
    const owner = cp.sdk(tenantToken('owner'));
    const { run_id } = await owner.agent.run({ prompt: 'Not yours' });
    const before = await rowSnapshot(cp.dataSource, run_id);

    const error = await sdkError(cp.sdk(tenantToken('stranger')).agent.runs.cancel(run_id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toContain(`Run ${run_id} not found`);
    expect(await rowSnapshot(cp.dataSource, run_id)).toEqual(before);
    expect((await owner.agent.runs.retrieve(run_id)).state).toBe('QUEUED');

    expect(await cp.sdk().agent.runs.cancel(run_id)).toBe(run_id);
    expect((await owner.agent.runs.retrieve(run_id)).state).toBe('CANCELLED');
  });

  it('answers 404 for an unknown or malformed run id', async () => {
    const sdk = cp.sdk(tenantToken());
    for (const id of ['2c4a2f5e-7a0b-4c1e-9f3e-111111111111', 'not-a-uuid']) {
      const error = await sdkError(sdk.agent.runs.cancel(id));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toContain(`Run ${id} not found`);
    }
  });
});
