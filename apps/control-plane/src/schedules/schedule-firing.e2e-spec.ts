import { randomBytes, randomUUID } from 'node:crypto';
import { NotFoundError } from 'oz-agent-sdk';
import type { DataSource } from 'typeorm';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { nextDailySlot, nextEveryMinutesSlot } from '../testing/cron-slots';
import { SchedulesService } from './schedules.service';




/** Moves the schedules' next slot one minute into the past; returns each schedule's slot. */
async function makeDue(db: DataSource, ids: string[], ago = '1 minute'): Promise<Map<string, Date>> {
  // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
  const [rows]: [Array<{ id: string; next_run_at: Date }>, number] = await db.query(
    `UPDATE schedules SET next_run_at = now() - $2::interval WHERE id = ANY($1::uuid[]) RETURNING id, next_run_at`,
    [ids, ago],
  );
  expect(rows).toHaveLength(ids.length);
  return new Map(rows.map((r) => [r.id, r.next_run_at]));
}

/* eslint-disable @typescript-eslint/no-explicit-any -- raw SQL rows */
function runsOf(db: DataSource, scheduleId: string): Promise<any[]> {
  return db.query(`SELECT * FROM runs WHERE schedule_id = $1 ORDER BY created_at`, [scheduleId]);
}

describe('firing due schedules', () => {
  let cp: ControlPlaneHarness;
  /** A second replica on the same database, as in a multi-replica deployment. */
  let replica: ControlPlaneHarness;
  let schedules: SchedulesService;

  beforeAll(async () => {
    const shared = { OZ_SECRETS_KEY: randomBytes(32).toString('base64') };
    cp = await startControlPlane(shared);
    replica = await startControlPlane(shared, cp.database);
    schedules = cp.app.get(SchedulesService);
  });
  afterAll(async () => {
    await replica?.close();
    await cp?.close();
  });

  it("fires a due schedule exactly once: one SCHEDULED_AGENT run with the schedule's prompt, config and owner", async () => {
    const token = tenantToken('owner');
    const sdk = cp.sdk(token);
    const schedule = await sdk.agent.schedules.create({
      name: 'nightly-triage',
      cron_schedule: '0 9 * * *',
      prompt: 'Triage the backlog',
      agent_config: { model_id: 'claude-x', name: 'triage' },
      team: true,
    });
    const slot = (await makeDue(cp.dataSource, [schedule.id])).get(schedule.id) as Date;

    const before = new Date();
    await schedules.fireDue();
    const after = new Date();

    const rows = await runsOf(cp.dataSource, schedule.id);
    expect(rows).toHaveLength(1);
    const [{ tenant_key: scheduleTenant }] = await cp.dataSource.query(`SELECT tenant_key FROM schedules WHERE id = $1`, [
      schedule.id,
    ]);
    expect(rows[0]).toMatchObject({
      source: 'SCHEDULED_AGENT',
      schedule_id: schedule.id,
      scheduled_for: slot,
      tenant_key: scheduleTenant,
      prompt: 'Triage the backlog',
    });

    // The owner sees the run; another tenant does not.
    const run = await sdk.agent.runs.retrieve(rows[0].id);
    expect(run).toMatchObject({
      state: 'QUEUED',
      source: 'SCHEDULED_AGENT',
      prompt: 'Triage the backlog',
      title: 'triage',
      agent_config: { model_id: 'claude-x', name: 'triage' },
      schedule: { schedule_id: schedule.id, schedule_name: 'nightly-triage', cron_schedule: '0 9 * * *' },
      scope: { type: 'Team' },
    });
    expect((await sdk.agent.runs.list({ schedule_id: schedule.id })).runs.map((r) => r.run_id)).toEqual([run.run_id]);
    await expect(cp.sdk(tenantToken('other')).agent.runs.retrieve(run.run_id)).rejects.toBeInstanceOf(NotFoundError);

    const fired = await sdk.agent.schedules.retrieve(schedule.id);
    const lastRan = Date.parse(fired.history?.last_ran as string);
    expect(lastRan).toBeGreaterThanOrEqual(before.getTime() - 1);
    expect(lastRan).toBeLessThanOrEqual(after.getTime() + 1);
    expect([nextDailySlot(9, 0, before), nextDailySlot(9, 0, after)]).toContain(fired.history?.next_run);
    expect(fired.last_spawn_error).toBeNull();

    // Nothing is due any more, so a second pass creates nothing and leaves the schedule as it was.
    await schedules.fireDue();
    expect(await runsOf(cp.dataSource, schedule.id)).toHaveLength(1);
    expect(await sdk.agent.schedules.retrieve(schedule.id)).toEqual(fired);
  });

  it('fires a slot missed long ago once, late, and skips the slots in between', async () => {
    const sdk = cp.sdk(tenantToken());
    const schedule = await sdk.agent.schedules.create({ name: 'every-5', cron_schedule: '*/5 * * * *', prompt: 'Poll' });
    await makeDue(cp.dataSource, [schedule.id], '1 hour');

    await schedules.fireDue();

    // One run for the twelve missed slots, and the next slot is the first one after the firing.
    expect(await runsOf(cp.dataSource, schedule.id)).toHaveLength(1);
    const fired = await sdk.agent.schedules.retrieve(schedule.id);
    const firedAt = new Date(fired.history?.last_ran as string);
    expect(fired.history?.next_run).toBe(nextEveryMinutesSlot(5, firedAt));
    await schedules.fireDue();
    expect(await runsOf(cp.dataSource, schedule.id)).toHaveLength(1);
  });

  it('fires each due schedule exactly once when two replicas poll the same database concurrently', async () => {
    const tokens = [tenantToken('a'), tenantToken('b')];
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await cp
        .sdk(tokens[i % 2])
        .agent.schedules.create({ name: `race-${String(i).padStart(2, '0')}`, cron_schedule: '0 9 * * *', prompt: `Race ${i}` });
      ids.push(created.id);
    }
    const slots = await makeDue(cp.dataSource, ids);
    const replicas = [cp, replica].map((h) => h.app.get(SchedulesService));
    // Two apps, two connection pools: the replicas only meet in PostgreSQL.
    expect(replica.dataSource).not.toBe(cp.dataSource);
    expect(replicas[1]).not.toBe(replicas[0]);

    // Rounds of 8 concurrent passes (4 per replica) with small batches, until a round finds nothing due.
    let fired = 0;
    for (let round = 0; round < 10; round++) {
      const counts = await Promise.all(Array.from({ length: 8 }, (_, i) => replicas[i % 2].fireDue(undefined, 3)));
      const sum = counts.reduce((a, b) => a + b, 0);
      if (sum === 0) break;
      fired += sum;
    }

    // Every schedule was processed once in total: no replica handled a schedule another already had.
    expect(fired).toBe(20);
    const perSlot: Array<{ schedule_id: string; scheduled_for: Date; runs: number }> = await cp.dataSource.query(
      `SELECT schedule_id, scheduled_for, count(*)::int AS runs FROM runs WHERE schedule_id = ANY($1::uuid[])
        GROUP BY schedule_id, scheduled_for`,
      [ids],
    );
    expect(perSlot).toHaveLength(20);
    for (const row of perSlot) {
      expect(row.runs).toBe(1);
      expect(row.scheduled_for).toEqual(slots.get(row.schedule_id));
    }
    const [{ total }] = await cp.dataSource.query(`SELECT count(*)::int AS total FROM runs WHERE schedule_id = ANY($1::uuid[])`, [
      ids,
    ]);
    expect(total).toBe(20);
    for (const token of tokens) {
      expect((await cp.sdk(token).agent.runs.list({ source: 'SCHEDULED_AGENT', limit: 50 })).runs).toHaveLength(10);
    }
    const states: Array<{ last_ran_at: Date | null; next_run_at: Date }> = await cp.dataSource.query(
      `SELECT last_ran_at, next_run_at FROM schedules WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const state of states) {
      expect(state.last_ran_at).not.toBeNull();
      expect(state.next_run_at.getTime()).toBeGreaterThan(Date.now());
    }

    // And the database itself refuses a second run for a slot that already has one.
    const [first] = perSlot;
    const duplicate = await cp.dataSource
      .query(
        `INSERT INTO runs (id, tenant_key, creator_uid, title, prompt, state, source, schedule_id, scheduled_for)
         VALUES ($1, 't', 'u', 'dup', 'dup', 'QUEUED', 'SCHEDULED_AGENT', $2, $3)`,
        [randomUUID(), first.schedule_id, first.scheduled_for],
      )
      .catch((e) => e);
    expect(duplicate).toMatchObject({ driverError: { code: '23505', constraint: 'runs_schedule_slot_idx' } });
  });

  it('records last_spawn_error when the run cannot be created, still advances, and clears it on the next good firing', async () => {
    const token = tenantToken();
    const sdk = cp.sdk(token);
    const response = await cp.request('/api/v1/environments', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'doomed', docker_image: 'node:24' }),
    });
    const environment = await response.json();
    const schedule = await sdk.agent.schedules.create({
      name: 'needs-env',
      cron_schedule: '0 9 * * *',
      prompt: 'Build',
      agent_config: { environment_id: environment.id },
    });
    // Bypass the API's checks: the environment disappears under the schedule.
    await cp.dataSource.query(`DELETE FROM environments WHERE id = $1`, [environment.id]);
    await makeDue(cp.dataSource, [schedule.id]);

    const before = new Date();
    await schedules.fireDue();

    const failed = await sdk.agent.schedules.retrieve(schedule.id);
    expect(failed.last_spawn_error).toBe(`Environment ${environment.id} not found`);
    expect(Date.parse(failed.history?.last_ran as string)).toBeGreaterThanOrEqual(before.getTime() - 1);
    expect([nextDailySlot(9, 0, before), nextDailySlot(9, 0, new Date())]).toContain(failed.history?.next_run);
    expect(failed.environment).toBeUndefined();
    expect(await runsOf(cp.dataSource, schedule.id)).toEqual([]);

    // A failed slot is not retried on every poll.
    await schedules.fireDue();
    expect(await runsOf(cp.dataSource, schedule.id)).toEqual([]);

    await sdk.agent.schedules.update(schedule.id, { name: 'needs-env', cron_schedule: '0 9 * * *', prompt: 'Build', enabled: true });
    await makeDue(cp.dataSource, [schedule.id]);
    await schedules.fireDue();

    expect(await runsOf(cp.dataSource, schedule.id)).toHaveLength(1);
    expect((await sdk.agent.schedules.retrieve(schedule.id)).last_spawn_error).toBeNull();
  });

  it('keeps the batch going past a database error, keeps that slot due, and fires it once the error is gone', async () => {
    const sdk = cp.sdk(tenantToken());
    const broken = await sdk.agent.schedules.create({ name: 'broken', cron_schedule: '* * * * *', prompt: 'poison pill' });
    const healthy = await sdk.agent.schedules.create({ name: 'healthy', cron_schedule: '* * * * *', prompt: 'fine' });
    // A real database error on this one schedule's INSERT, raised by PostgreSQL itself.
    await cp.dataSource.query(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.prompt = 'poison pill' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    let slot: Date | undefined;
    try {
      // The broken schedule is due first, so it is handled first within the batch.
      slot = (await makeDue(cp.dataSource, [broken.id], '2 minutes')).get(broken.id);
      await makeDue(cp.dataSource, [healthy.id]);
      await schedules.fireDue();

      expect(await runsOf(cp.dataSource, healthy.id)).toHaveLength(1);
      expect(await runsOf(cp.dataSource, broken.id)).toEqual([]);
      const after = await sdk.agent.schedules.retrieve(broken.id);
      expect(after.last_spawn_error).toMatch(/could not be created yet; retrying/);
      expect(after.history).toMatchObject({ last_ran: null, next_run: slot?.toISOString() });
    } finally {
      await cp.dataSource.query(`DROP TRIGGER refuse_poison ON runs; DROP FUNCTION refuse_poison();`);
    }

    await schedules.fireDue();
    const runs = await runsOf(cp.dataSource, broken.id);
    expect(runs).toHaveLength(1);
    expect(new Date(runs[0].scheduled_for).toISOString()).toBe(slot?.toISOString());
    expect((await sdk.agent.schedules.retrieve(broken.id)).last_spawn_error).toBeNull();
  });

  it('never fires a paused or disabled schedule, even one whose next_run_at is in the past', async () => {
    const sdk = cp.sdk(tenantToken());
    const paused = await sdk.agent.schedules.create({ name: 'paused', cron_schedule: '* * * * *', prompt: 'p' });
    await sdk.agent.schedules.pause(paused.id);
    const disabled = await sdk.agent.schedules.create({ name: 'disabled', cron_schedule: '* * * * *', prompt: 'p', enabled: false });
    await makeDue(cp.dataSource, [paused.id, disabled.id]);

    await schedules.fireDue();
    await replica.app.get(SchedulesService).fireDue();

    for (const id of [paused.id, disabled.id]) {
      expect(await runsOf(cp.dataSource, id)).toEqual([]);
      expect(await sdk.agent.schedules.retrieve(id)).toMatchObject({ enabled: false, history: { last_ran: null, next_run: null } });
    }

    // Resuming starts from the next future slot, so nothing from the paused period is made up.
    await sdk.agent.schedules.resume(paused.id);
    await schedules.fireDue();
    expect(await runsOf(cp.dataSource, paused.id)).toEqual([]);
  });
});

describe('the schedule firing loop', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane({ OZ_SCHEDULER_ENABLED: 'true', OZ_SCHEDULER_POLL_INTERVAL_MS: '200' });
  });
  afterAll(() => cp?.close());

  it('fires a due schedule by itself within a few polls, and only once', async () => {
    const sdk = cp.sdk(tenantToken());
    const schedule = await sdk.agent.schedules.create({ name: 'looped', cron_schedule: '0 9 * * *', prompt: 'From the loop' });
    await makeDue(cp.dataSource, [schedule.id]);

    const deadline = Date.now() + 10_000;
    let rows = await runsOf(cp.dataSource, schedule.id);
    while (rows.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await runsOf(cp.dataSource, schedule.id);
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'SCHEDULED_AGENT', prompt: 'From the loop' });

    // A few more polls later there is still exactly one run, and the schedule has moved on.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await runsOf(cp.dataSource, schedule.id)).toHaveLength(1);
    const fired = await sdk.agent.schedules.retrieve(schedule.id);
    expect(fired.history?.last_ran).not.toBeNull();
    expect(Date.parse(fired.history?.next_run as string)).toBeGreaterThan(Date.now());
  });
});
