import { BadRequestError, NotFoundError } from 'oz-agent-sdk';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { nextDailySlot, nextEveryMinutesSlot } from '../testing/cron-slots';
import { SchedulesService } from './schedules.service';




/** Runs `act`, and returns the slots computed just before and just after, so a slot boundary between them cannot flake. */
async function bracket<T>(slotAfter: (t: Date) => string, act: () => Promise<T>): Promise<{ result: T; slots: string[] }> {
  const before = new Date();
  const result = await act();
  return { result, slots: [...new Set([slotAfter(before), slotAfter(new Date())])] };
}

describe('schedules through the official oz-agent-sdk', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  async function createEnvironment(token: string, name: string): Promise<{ id: string }> {
    const response = await cp.request('/api/v1/environments', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        docker_image: 'ghcr.io/acme/builder:2',
        description: 'CI image',
        repos: ['acme/api'],
        setup_commands: ['npm ci'],
        env_vars: { SECRET_TOKEN: 'schedule-env-secret-value' },
      }),
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  async function makeDue(scheduleId: string): Promise<void> {
    await cp.dataSource.query(`UPDATE schedules SET next_run_at = now() - interval '1 minute' WHERE id = $1`, [scheduleId]);
  }

  describe('create and retrieve', () => {
    it('creates an enabled schedule whose next_run is the next UTC cron slot and that has never run', async () => {
      const sdk = cp.sdk(tenantToken());

      const { result: created, slots } = await bracket(
        (t) => nextDailySlot(9, 0, t),
        () =>
          sdk.agent.schedules.create({
            name: 'nightly',
            cron_schedule: '0 9 * * *',
            prompt: 'Triage new issues',
            agent_config: { model_id: 'claude-x', name: 'triage' },
          }),
      );

      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'nightly',
        cron_schedule: '0 9 * * *',
        prompt: 'Triage new issues',
        enabled: true,
        agent_config: { model_id: 'claude-x', name: 'triage' },
        history: { last_ran: null, next_run: expect.any(String) },
        last_spawn_error: null,
        scope: { type: 'User' },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(slots).toContain(created.history?.next_run);
      expect(await sdk.agent.schedules.retrieve(created.id)).toEqual(created);
    });

    it('computes sub-hourly slots in UTC too', async () => {
      const sdk = cp.sdk(tenantToken());
      const { result: created, slots } = await bracket(
        (t) => nextEveryMinutesSlot(15, t),
        () => sdk.agent.schedules.create({ name: 'quarterly', cron_schedule: '*/15 * * * *', prompt: 'Poll' }),
      );
      expect(slots).toContain(created.history?.next_run);
    });

    it('creates a disabled schedule with no next_run, and a team schedule with Team scope', async () => {
      const sdk = cp.sdk(tenantToken());

      const disabled = await sdk.agent.schedules.create({ name: 'off', cron_schedule: '0 9 * * *', prompt: 'p', enabled: false });
      const team = await sdk.agent.schedules.create({ name: 'team', cron_schedule: '0 9 * * *', prompt: 'p', team: true });

      expect(disabled).toMatchObject({ enabled: false, history: { last_ran: null, next_run: null } });
      const [row] = await cp.dataSource.query(`SELECT next_run_at FROM schedules WHERE id = $1`, [disabled.id]);
      expect(row.next_run_at).toBeNull();
      expect(team.scope).toEqual({ type: 'Team' });
    });

    it('answers NotFoundError for a schedule id that does not exist or is not a UUID, on every call', async () => {
      const sdk = cp.sdk(tenantToken());
      const body = { name: 'n', cron_schedule: '0 9 * * *', prompt: 'p', enabled: true };
      for (const id of ['6b1d6c3e-2f0a-4d5e-8a7b-9c0d1e2f3a4b', 'nope']) {
        for (const call of [
          () => sdk.agent.schedules.retrieve(id),
          () => sdk.agent.schedules.update(id, body),
          () => sdk.agent.schedules.delete(id),
          () => sdk.agent.schedules.pause(id),
          () => sdk.agent.schedules.resume(id),
        ]) {
          const error = await call().catch((e) => e);
          expect(error).toBeInstanceOf(NotFoundError);
          expect(error.message).toBe(`404 Schedule ${id} not found`);
        }
      }
    });
  });

  describe('validation', () => {
    it.each([
      ['4 fields', '0 9 * *', /cron_schedule must have 5 fields \(minute hour day-of-month month day-of-week\), got 4/],
      ['6 fields (seconds)', '0 0 9 * * *', /cron_schedule must have 5 fields .*got 6/],
      ['a minute of 61', '61 * * * *', /cron_schedule "61 \* \* \* \*" is invalid: .*61.*0-59/],
      ['February 31st', '0 0 31 2 *', /cron_schedule "0 0 31 2 \*" is invalid: .*day of month/],
      ['words', 'every day', /must have 5 fields.*got 2/],
    ])('refuses a cron expression with %s with BadRequestError naming the problem', async (_, cron, message) => {
      const sdk = cp.sdk(tenantToken());

      const error = await sdk.agent.schedules.create({ name: 'bad', cron_schedule: cron, prompt: 'p' }).catch((e) => e);

      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toMatch(message);
      expect(error.error.errors).toEqual([{ field: 'cron_schedule', message: expect.stringMatching(message) }]);
      expect((await sdk.agent.schedules.list()).schedules).toEqual([]);
    });

    it.each([
      ['a blank name', { name: '  ' }, /name must not be blank/],
      ['a name that is a number', { name: 5 }, /name must be a string/],
      ['a missing prompt', { prompt: undefined }, /prompt must be a string/],
      ['a prompt with a NUL character', { prompt: 'run\u0000this' }, /prompt must not contain NUL characters/],
      ['a name with a NUL character', { name: 'n\u0000' }, /name must not contain NUL characters/],
      ['a cron with a NUL character', { cron_schedule: '0 9 * * *\u0000' }, /cron_schedule must not contain NUL characters/],
      ['a cron that is not a string', { cron_schedule: 5 }, /cron_schedule must be a string/],
      ['enabled that is not a boolean', { enabled: 'yes' }, /enabled must be a boolean value/],
      ['an agent_config out of range', { agent_config: { idle_timeout_minutes: 0 } }, /agent_config\.idle_timeout_minutes must not be less than 1/],
    ])('refuses %s with BadRequestError and creates nothing', async (_, change, message) => {
      const sdk = cp.sdk(tenantToken());
      const body = { name: 'ok', cron_schedule: '0 9 * * *', prompt: 'p', ...change } as never;

      const error = await sdk.agent.schedules.create(body).catch((e) => e);

      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.message).toMatch(message);
      expect((await sdk.agent.schedules.list()).schedules).toEqual([]);
    });
  });

  it('lists schedules sorted by name', async () => {
    const sdk = cp.sdk(tenantToken());
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) {
      await sdk.agent.schedules.create({ name, cron_schedule: '0 9 * * *', prompt: 'p' });
    }

    const { schedules } = await sdk.agent.schedules.list();

    expect(schedules.map((s) => s.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  describe('update', () => {
    it('replaces the whole schedule, keeps next_run while the cron is unchanged and recomputes it when it changes', async () => {
      const sdk = cp.sdk(tenantToken());
      const created = await sdk.agent.schedules.create({
        name: 'original',
        cron_schedule: '0 9 * * *',
        prompt: 'Old prompt',
        agent_config: { model_id: 'claude-x', name: 'old' },
      });

      const samecron = await sdk.agent.schedules.update(created.id, {
        name: 'renamed',
        cron_schedule: '0 9 * * *',
        prompt: 'New prompt',
        enabled: true,
      });
      expect(samecron).toMatchObject({
        id: created.id,
        name: 'renamed',
        prompt: 'New prompt',
        enabled: true,
        // Full replacement: an omitted agent_config is gone, not merged.
        agent_config: {},
        history: { last_ran: null, next_run: created.history?.next_run },
        created_at: created.created_at,
      });
      expect(Date.parse(samecron.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));

      const { result: recron, slots } = await bracket(
        (t) => nextDailySlot(18, 30, t),
        () =>
          sdk.agent.schedules.update(created.id, {
            name: 'renamed',
            cron_schedule: '30 18 * * *',
            prompt: 'New prompt',
            enabled: true,
            agent_config: { model_id: 'claude-y' },
          }),
      );
      expect(recron.cron_schedule).toBe('30 18 * * *');
      expect(recron.agent_config).toEqual({ model_id: 'claude-y' });
      expect(slots).toContain(recron.history?.next_run);

      const disabled = await sdk.agent.schedules.update(created.id, {
        name: 'renamed',
        cron_schedule: '30 18 * * *',
        prompt: 'New prompt',
        enabled: false,
      });
      expect(disabled).toMatchObject({ enabled: false, history: { next_run: null } });
      expect(await sdk.agent.schedules.retrieve(created.id)).toEqual(disabled);
    });

    it('refuses an update without enabled (PUT is a full replacement) or with a bad cron, and changes nothing', async () => {
      const sdk = cp.sdk(tenantToken());
      const created = await sdk.agent.schedules.create({ name: 'keep', cron_schedule: '0 9 * * *', prompt: 'p' });

      const noEnabled = await sdk.agent.schedules
        .update(created.id, { name: 'changed', cron_schedule: '0 10 * * *', prompt: 'q' } as never)
        .catch((e) => e);
      expect(noEnabled).toBeInstanceOf(BadRequestError);
      expect(noEnabled.message).toMatch(/enabled must be a boolean value/);

      const badCron = await sdk.agent.schedules
        .update(created.id, { name: 'changed', cron_schedule: '0 10 * *', prompt: 'q', enabled: true })
        .catch((e) => e);
      expect(badCron).toBeInstanceOf(BadRequestError);
      expect(badCron.message).toMatch(/cron_schedule must have 5 fields.*got 4/);

      expect(await sdk.agent.schedules.retrieve(created.id)).toEqual(created);
    });
  });

  describe('pause and resume', () => {
    it('pause disables the schedule and clears next_run; resume enables it with the next future slot', async () => {
      const sdk = cp.sdk(tenantToken());
      const created = await sdk.agent.schedules.create({ name: 'pausable', cron_schedule: '30 6 * * *', prompt: 'p' });

      const paused = await sdk.agent.schedules.pause(created.id);
      expect(paused).toMatchObject({ id: created.id, enabled: false, history: { last_ran: null, next_run: null } });
      expect(await sdk.agent.schedules.retrieve(created.id)).toEqual(paused);
      const [row] = await cp.dataSource.query(`SELECT enabled, next_run_at FROM schedules WHERE id = $1`, [created.id]);
      expect(row).toEqual({ enabled: false, next_run_at: null });
      // Pausing twice is harmless.
      expect(await sdk.agent.schedules.pause(created.id)).toMatchObject({ enabled: false, history: { next_run: null } });

      const { result: resumed, slots } = await bracket(
        (t) => nextDailySlot(6, 30, t),
        () => sdk.agent.schedules.resume(created.id),
      );
      expect(resumed.enabled).toBe(true);
      expect(slots).toContain(resumed.history?.next_run);
      expect(Date.parse(resumed.history?.next_run as string)).toBeGreaterThan(Date.now());
      expect(await sdk.agent.schedules.retrieve(created.id)).toEqual(resumed);
    });
  });

  describe('delete', () => {
    it('answers success, then 404, and keeps the runs the schedule made with their schedule block', async () => {
      const sdk = cp.sdk(tenantToken());
      const schedule = await sdk.agent.schedules.create({ name: 'short-lived', cron_schedule: '15 3 * * 1', prompt: 'Weekly report' });
      await makeDue(schedule.id);
      await cp.app.get(SchedulesService).fireDue();
      const { runs } = await sdk.agent.runs.list({ schedule_id: schedule.id });
      expect(runs).toHaveLength(1);

      expect(await sdk.agent.schedules.delete(schedule.id)).toEqual({ success: true });

      await expect(sdk.agent.schedules.retrieve(schedule.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(sdk.agent.schedules.delete(schedule.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await sdk.agent.schedules.list()).schedules).toEqual([]);

      const run = await sdk.agent.runs.retrieve(runs[0].run_id);
      expect(run).toMatchObject({
        source: 'SCHEDULED_AGENT',
        prompt: 'Weekly report',
        schedule: { schedule_id: schedule.id, schedule_name: 'short-lived', cron_schedule: '15 3 * * 1' },
      });
      expect((await sdk.agent.runs.list({ schedule_id: schedule.id })).runs.map((r) => r.run_id)).toEqual([run.run_id]);
    });
  });

  describe('environments', () => {
    it('shows the environment named by agent_config.environment_id, without its secrets', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const environment = await createEnvironment(token, 'ci-box');

      const created = await sdk.agent.schedules.create({
        name: 'in-env',
        cron_schedule: '0 9 * * *',
        prompt: 'p',
        agent_config: { environment_id: environment.id },
      });

      const expected = { name: 'ci-box', description: 'CI image', docker_image: 'ghcr.io/acme/builder:2', setup_commands: ['npm ci'] };
      expect(created.environment).toEqual(expected);
      expect((await sdk.agent.schedules.retrieve(created.id)).environment).toEqual(expected);
      expect((await sdk.agent.schedules.list()).schedules[0].environment).toEqual(expected);
      expect(JSON.stringify(await sdk.agent.schedules.list())).not.toContain('schedule-env-secret-value');
    });

    it('refuses an environment that does not exist with NotFoundError, on create and on update', async () => {
      const sdk = cp.sdk(tenantToken());
      const missing = '0d5c7a9e-1b2c-4d3e-8f40-5a6b7c8d9e0f';

      const onCreate = await sdk.agent.schedules
        .create({ name: 'x', cron_schedule: '0 9 * * *', prompt: 'p', agent_config: { environment_id: missing } })
        .catch((e) => e);
      expect(onCreate).toBeInstanceOf(NotFoundError);
      expect(onCreate.message).toBe(`404 Environment ${missing} not found`);
      expect((await sdk.agent.schedules.list()).schedules).toEqual([]);

      const existing = await sdk.agent.schedules.create({ name: 'x', cron_schedule: '0 9 * * *', prompt: 'p' });
      const onUpdate = await sdk.agent.schedules
        .update(existing.id, { name: 'x', cron_schedule: '0 9 * * *', prompt: 'p', enabled: true, agent_config: { environment_id: 'nope' } })
        .catch((e) => e);
      expect(onUpdate).toBeInstanceOf(NotFoundError);
      expect(await sdk.agent.schedules.retrieve(existing.id)).toEqual(existing);
    });
  });

  describe('tenant isolation', () => {
    it("hides one tenant's schedule from another: retrieve, update, delete, pause and resume fail with 404 and change nothing", async () => {
      const owner = cp.sdk(tenantToken('owner'));
      const intruder = cp.sdk(tenantToken('intruder'));
      const theirs = await owner.agent.schedules.create({ name: 'private', cron_schedule: '0 9 * * *', prompt: 'secret plan' });
      const paused = await owner.agent.schedules.create({ name: 'private-paused', cron_schedule: '0 9 * * *', prompt: 'p', enabled: false });

      for (const attempt of [
        () => intruder.agent.schedules.retrieve(theirs.id),
        () => intruder.agent.schedules.update(theirs.id, { name: 'hijacked', cron_schedule: '* * * * *', prompt: 'evil', enabled: true }),
        () => intruder.agent.schedules.pause(theirs.id),
        () => intruder.agent.schedules.resume(paused.id),
        () => intruder.agent.schedules.delete(theirs.id),
      ]) {
        await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
      }
      expect((await intruder.agent.schedules.list()).schedules).toEqual([]);

      expect(await owner.agent.schedules.retrieve(theirs.id)).toEqual(theirs);
      expect(await owner.agent.schedules.retrieve(paused.id)).toEqual(paused);
    });

    it("refuses a schedule that names another tenant's environment with 404, on create and on update", async () => {
      const ownerToken = tenantToken('owner');
      const theirEnvironment = await createEnvironment(ownerToken, 'owners-env');
      const intruder = cp.sdk(tenantToken('intruder'));

      const onCreate = await intruder.agent.schedules
        .create({ name: 'steal', cron_schedule: '0 9 * * *', prompt: 'p', agent_config: { environment_id: theirEnvironment.id } })
        .catch((e) => e);
      expect(onCreate).toBeInstanceOf(NotFoundError);

      const own = await intruder.agent.schedules.create({ name: 'own', cron_schedule: '0 9 * * *', prompt: 'p' });
      const onUpdate = await intruder.agent.schedules
        .update(own.id, {
          name: 'own',
          cron_schedule: '0 9 * * *',
          prompt: 'p',
          enabled: true,
          agent_config: { environment_id: theirEnvironment.id },
        })
        .catch((e) => e);
      expect(onUpdate).toBeInstanceOf(NotFoundError);
      const after = await intruder.agent.schedules.retrieve(own.id);
      expect(after.agent_config).toEqual({});
      expect(after.environment).toBeUndefined();
    });

    it("lets the admin list and retrieve every tenant's schedules", async () => {
      const a = await cp.sdk(tenantToken('a')).agent.schedules.create({ name: 'admin-sees-a', cron_schedule: '0 9 * * *', prompt: 'p' });
      const b = await cp.sdk(tenantToken('b')).agent.schedules.create({ name: 'admin-sees-b', cron_schedule: '0 9 * * *', prompt: 'p' });
      const admin = cp.sdk();

      const { schedules } = await admin.agent.schedules.list();

      expect(schedules.filter((s) => s.name.startsWith('admin-sees-')).map((s) => s.id)).toEqual([a.id, b.id]);
      expect(await admin.agent.schedules.retrieve(b.id)).toEqual(b);
    });
  });
});
