import type OzAPI from 'oz-agent-sdk';
import { BadRequestError } from 'oz-agent-sdk';
import type { RunListParams, RunListResponse } from 'oz-agent-sdk/resources/agent/runs';
import { SchedulesService } from '../schedules/schedules.service';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { createEnvironment, ownerOf, sdkError, seedRuns, type SeededRun } from '../testing/run-fixtures';

const ids = (page: RunListResponse) => page.runs.map((run) => run.run_id);
const idsOf = (runs: SeededRun[]) => runs.map((run) => run.id);

/** Follows next_cursor with the same filters until the last page; returns every page. */
async function walk(sdk: OzAPI, params: RunListParams = {}): Promise<RunListResponse[]> {
  const pages: RunListResponse[] = [];
  let cursor: string | undefined;
  do {
    const page = await sdk.agent.runs.list({ ...params, cursor });
    pages.push(page);
    cursor = page.page_info.next_cursor;
    if (pages.length > 1000) throw new Error('the walk does not end');
  } while (cursor);
  return pages;
}

describe('listing runs through the official oz-agent-sdk', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  describe('filters', () => {
    it('filters by one state (sent as a scalar) and by several (sent repeated)', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const now = Date.now();
      const failed = await seedRuns(cp.dataSource, { token, count: 2, state: 'FAILED', newest: new Date(now - 1_000), stepMs: 10_000 });
      const cancelled = await seedRuns(cp.dataSource, { token, count: 1, state: 'CANCELLED', newest: new Date(now - 2_000) });
      await seedRuns(cp.dataSource, { token, count: 2, state: 'QUEUED', newest: new Date(now - 3_000) });
      await seedRuns(cp.dataSource, { token, count: 1, state: 'SUCCEEDED', newest: new Date(now - 4_000) });

      expect(ids(await sdk.agent.runs.list({ state: ['FAILED'] }))).toEqual(idsOf(failed));
      const raw = await cp.request('/api/v1/agent/runs?state=FAILED', { token });
      expect(((await raw.json()) as RunListResponse).runs.map((r) => r.run_id)).toEqual(idsOf(failed));

      const several = await sdk.agent.runs.list({ state: ['FAILED', 'CANCELLED'] });
      expect(ids(several)).toEqual([failed[0].id, cancelled[0].id, failed[1].id]);
      expect(several.runs.map((r) => r.state)).toEqual(['FAILED', 'CANCELLED', 'FAILED']);
      expect((await sdk.agent.runs.list({ state: ['PENDING'] })).runs).toEqual([]);
    });

    it('filters by source, and by schedule_id, with runs a schedule really fired', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const nightly = await sdk.agent.schedules.create({ name: 'nightly', cron_schedule: '0 3 * * *', prompt: 'Nightly sweep' });
      const hourly = await sdk.agent.schedules.create({ name: 'hourly', cron_schedule: '0 * * * *', prompt: 'Hourly sweep' });
      await cp.app.get(SchedulesService).fireDue(new Date(Date.now() + 25 * 3_600_000));
      const apiRun = await sdk.agent.run({ prompt: 'By hand' });
      const slack = await seedRuns(cp.dataSource, { token, count: 2, source: 'SLACK' });

      const scheduled = await sdk.agent.runs.list({ source: 'SCHEDULED_AGENT' });
      expect(scheduled.runs).toHaveLength(2);
      expect(scheduled.runs.map((r) => r.source)).toEqual(['SCHEDULED_AGENT', 'SCHEDULED_AGENT']);
      const schedules = scheduled.runs.map((r) => r.schedule);
      expect(schedules.sort((a, b) => (a?.schedule_name ?? '').localeCompare(b?.schedule_name ?? ''))).toEqual([
        { schedule_id: hourly.id, schedule_name: 'hourly', cron_schedule: '0 * * * *' },
        { schedule_id: nightly.id, schedule_name: 'nightly', cron_schedule: '0 3 * * *' },
      ]);
      expect(ids(await sdk.agent.runs.list({ source: 'API' }))).toEqual([apiRun.run_id]);
      expect(ids(await sdk.agent.runs.list({ source: 'SLACK' }))).toEqual(idsOf(slack));
      expect((await sdk.agent.runs.list({ source: 'LINEAR' })).runs).toEqual([]);

      const ofNightly = await sdk.agent.runs.list({ schedule_id: nightly.id });
      expect(ofNightly.runs).toHaveLength(1);
      expect(ofNightly.runs[0]).toMatchObject({ prompt: 'Nightly sweep', schedule: { schedule_id: nightly.id } });
      const ofHourly = await sdk.agent.runs.list({ schedule_id: hourly.id });
      expect(ofHourly.runs.map((r) => r.prompt)).toEqual(['Hourly sweep']);
      expect((await sdk.agent.runs.list({ schedule_id: '00000000-0000-4000-8000-000000000000' })).runs).toEqual([]);
    });

    it('filters by environment_id, and a malformed id matches nothing instead of failing', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const [envA, envB] = [await createEnvironment(cp.request, token, 'a'), await createEnvironment(cp.request, token, 'b')];
      const inA = await sdk.agent.run({ prompt: 'in A', config: { environment_id: envA } });
      const inB = await sdk.agent.run({ prompt: 'in B', config: { environment_id: envB } });
      await sdk.agent.run({ prompt: 'nowhere' });

      expect(ids(await sdk.agent.runs.list({ environment_id: envA }))).toEqual([inA.run_id]);
      expect(ids(await sdk.agent.runs.list({ environment_id: envB }))).toEqual([inB.run_id]);
      const malformed = await sdk.agent.runs.list({ environment_id: 'not-a-uuid' });
      expect(malformed).toEqual({ runs: [], page_info: { has_next_page: false } });
      expect((await sdk.agent.runs.list({ environment_id: '00000000-0000-4000-8000-000000000000' })).runs).toEqual([]);
    });

    it('filters by model_id and by config name, exactly', async () => {
      const sdk = cp.sdk(tenantToken());
      const a = await sdk.agent.run({ prompt: 'a', config: { model_id: 'claude-4', name: 'nightly' } });
      const b = await sdk.agent.run({ prompt: 'b', config: { model_id: 'gpt-5', name: 'nightly' } });
      const c = await sdk.agent.run({ prompt: 'c', config: { model_id: 'claude-4', name: 'weekly' } });

      expect(new Set(ids(await sdk.agent.runs.list({ model_id: 'claude-4' })))).toEqual(new Set([a.run_id, c.run_id]));
      expect(ids(await sdk.agent.runs.list({ model_id: 'gpt-5' }))).toEqual([b.run_id]);
      expect((await sdk.agent.runs.list({ model_id: 'claude' })).runs).toEqual([]);
      expect(new Set(ids(await sdk.agent.runs.list({ name: 'nightly' })))).toEqual(new Set([a.run_id, b.run_id]));
      expect(ids(await sdk.agent.runs.list({ name: 'weekly' }))).toEqual([c.run_id]);
      expect((await sdk.agent.runs.list({ name: 'Nightly' })).runs).toEqual([]);
    });

    it('finds q as a case-insensitive substring of the title, the prompt or the skill spec', async () => {
      const sdk = cp.sdk(tenantToken());
      const login = await sdk.agent.run({ title: 'Fix the Login bug', prompt: 'Users cannot sign in' });
      const skill = await sdk.agent.run({ title: 'Database', prompt: 'go', skill: 'acme/tools:Migrate-DB' });
      await sdk.agent.run({ title: 'Unrelated', prompt: 'Nothing to see' });

      expect(ids(await sdk.agent.runs.list({ q: 'login' }))).toEqual([login.run_id]);
      expect(ids(await sdk.agent.runs.list({ q: 'SIGN IN' }))).toEqual([login.run_id]);
      expect(ids(await sdk.agent.runs.list({ q: 'migrate-db' }))).toEqual([skill.run_id]);
      expect((await sdk.agent.runs.list({ q: 'logout' })).runs).toEqual([]);
    });

    it('treats %, _ and \\ in q literally, not as LIKE patterns', async () => {
      const sdk = cp.sdk(tenantToken());
      const percent = await sdk.agent.run({ title: 'Traffic', prompt: 'Shift 100% of traffic to blue' });
      const thousand = await sdk.agent.run({ title: 'Scale', prompt: 'Handle 1000 users' });
      const underscore = await sdk.agent.run({ title: 'snake_case rename', prompt: 'rename' });
      await sdk.agent.run({ title: 'snakeXcase rename', prompt: 'rename' });
      const backslash = await sdk.agent.run({ title: 'Paths', prompt: 'Clean C:\\temp\\cache' });
      await sdk.agent.run({ title: 'Paths', prompt: 'Clean C:temp' });

      expect(ids(await sdk.agent.runs.list({ q: '100%' }))).toEqual([percent.run_id]);
      expect(ids(await sdk.agent.runs.list({ q: '%' }))).toEqual([percent.run_id]);
      expect(new Set(ids(await sdk.agent.runs.list({ q: '100' })))).toEqual(new Set([percent.run_id, thousand.run_id]));
      expect(ids(await sdk.agent.runs.list({ q: 'e_c' }))).toEqual([underscore.run_id]);
      expect(ids(await sdk.agent.runs.list({ q: '_' }))).toEqual([underscore.run_id]);
      expect(ids(await sdk.agent.runs.list({ q: 'C:\\temp' }))).toEqual([backslash.run_id]);
    });

    it('filters by skill and by its alias skill_spec, exactly', async () => {
      const sdk = cp.sdk(tenantToken());
      const triage = await sdk.agent.run({ skill: 'acme/tools:triage' });
      const viaConfig = await sdk.agent.run({ config: { skill_spec: 'acme/tools:triage' } });
      const deploy = await sdk.agent.run({ skill: 'acme/tools:deploy' });
      await sdk.agent.run({ prompt: 'no skill' });

      const expected = new Set([triage.run_id, viaConfig.run_id]);
      expect(new Set(ids(await sdk.agent.runs.list({ skill: 'acme/tools:triage' })))).toEqual(expected);
      expect(new Set(ids(await sdk.agent.runs.list({ skill_spec: 'acme/tools:triage' })))).toEqual(expected);
      expect(ids(await sdk.agent.runs.list({ skill_spec: 'acme/tools:deploy' }))).toEqual([deploy.run_id]);
      expect((await sdk.agent.runs.list({ skill: 'acme/tools:tri' })).runs).toEqual([]);
    });

    it('filters by creator uid, as shown in creator.uid', async () => {
      const alice = tenantToken('alice');
      const bob = tenantToken('bob');
      const aliceRun = await cp.sdk(alice).agent.run({ prompt: 'from alice' });
      await cp.sdk(bob).agent.run({ prompt: 'from bob' });
      const uid = (await cp.sdk(alice).agent.runs.retrieve(aliceRun.run_id)).creator?.uid ?? '';
      expect(uid).toBe(ownerOf(alice).creatorUid);
      const byColleague = await seedRuns(cp.dataSource, { token: alice, count: 2, creatorUid: 'user_colleague' });

      // The admin sees every tenant, so the creator filter is what narrows the list.
      expect(ids(await cp.sdk().agent.runs.list({ creator: uid }))).toEqual([aliceRun.run_id]);
      expect(ids(await cp.sdk(alice).agent.runs.list({ creator: 'user_colleague' }))).toEqual(idsOf(byColleague));
      expect((await cp.sdk(bob).agent.runs.list({ creator: uid })).runs).toEqual([]);
    });

    it('filters by artifact type', async () => {
      const sdk = cp.sdk(tenantToken());
      const withPr = await sdk.agent.run({ prompt: 'opens a PR' });
      const withPlan = await sdk.agent.run({ prompt: 'writes a plan' });
      await sdk.agent.run({ prompt: 'produces nothing' });
      const pr = { artifact_type: 'PULL_REQUEST', created_at: '2026-02-01T10:00:00.000Z', data: { branch: 'fix/x', url: 'https://github.com/acme/app/pull/1' } };
      const plan = { artifact_type: 'PLAN', created_at: '2026-02-01T11:00:00.000Z', data: { document_uid: 'doc-9' } };
      await cp.dataSource.query(`UPDATE runs SET artifacts = $2::jsonb WHERE id = $1`, [withPr.run_id, JSON.stringify([pr])]);
      await cp.dataSource.query(`UPDATE runs SET artifacts = $2::jsonb WHERE id = $1`, [withPlan.run_id, JSON.stringify([plan])]);

      const prs = await sdk.agent.runs.list({ artifact_type: 'PULL_REQUEST' });
      expect(ids(prs)).toEqual([withPr.run_id]);
      expect(prs.runs[0].artifacts).toEqual([pr]);
      expect(ids(await sdk.agent.runs.list({ artifact_type: 'PLAN' }))).toEqual([withPlan.run_id]);
    });

    it('filters by created_after, created_before and updated_after as exclusive bounds, in any UTC offset', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      // t4 … t0 one minute apart; each run was last updated 30 s after it was created.
      const [t4, t3, t2, t1, t0] = await seedRuns(cp.dataSource, {
        token,
        count: 5,
        newest: new Date('2026-01-01T12:04:00.000Z'),
        stepMs: 60_000,
        updatedAfterMs: 30_000,
      });

      expect(ids(await sdk.agent.runs.list({ created_after: '2026-01-01T12:01:00.000Z' }))).toEqual([t4.id, t3.id, t2.id]);
      expect(ids(await sdk.agent.runs.list({ created_after: '2026-01-01T14:01:00+02:00' }))).toEqual([t4.id, t3.id, t2.id]);
      expect(ids(await sdk.agent.runs.list({ created_after: '2026-01-01T12:00:59.999Z' }))).toEqual([t4.id, t3.id, t2.id, t1.id]);
      expect(ids(await sdk.agent.runs.list({ created_before: '2026-01-01T12:03:00Z' }))).toEqual([t2.id, t1.id, t0.id]);
      expect(
        ids(await sdk.agent.runs.list({ created_after: '2026-01-01T12:01:00Z', created_before: '2026-01-01T12:03:00Z' })),
      ).toEqual([t2.id]);
      expect(ids(await sdk.agent.runs.list({ updated_after: '2026-01-01T12:02:30Z' }))).toEqual([t4.id, t3.id]);
      expect(ids(await sdk.agent.runs.list({ updated_after: '2026-01-01T12:02:29.999Z' }))).toEqual([t4.id, t3.id, t2.id]);
    });

    it('finds by updated_after the runs that changed after a moment, such as a cancel', async () => {
      const sdk = cp.sdk(tenantToken());
      const a = await sdk.agent.run({ prompt: 'a' });
      const b = await sdk.agent.run({ prompt: 'b' });
      const before = await sdk.agent.runs.retrieve(b.run_id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await sdk.agent.runs.cancel(a.run_id);

      expect(ids(await sdk.agent.runs.list({ updated_after: before.updated_at }))).toEqual([a.run_id]);
    });

    it('combines filters: a run must match every one', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const match = await sdk.agent.run({ title: 'Deploy web', prompt: 'go', config: { model_id: 'm1', name: 'ship' } });
      await sdk.agent.run({ title: 'Deploy api', prompt: 'go', config: { model_id: 'm2', name: 'ship' } });
      await sdk.agent.run({ title: 'Test web', prompt: 'go', config: { model_id: 'm1', name: 'ship' } });
      const cancelled = await sdk.agent.run({ title: 'Deploy docs', prompt: 'go', config: { model_id: 'm1', name: 'ship' } });
      await sdk.agent.runs.cancel(cancelled.run_id);

      expect(ids(await sdk.agent.runs.list({ q: 'deploy', model_id: 'm1', name: 'ship', state: ['QUEUED'] }))).toEqual([
        match.run_id,
      ]);
      expect(
        ids(await sdk.agent.runs.list({ q: 'deploy', model_id: 'm1', state: ['QUEUED', 'CANCELLED'], source: 'API' })),
      ).toEqual([cancelled.run_id, match.run_id]);
      expect((await sdk.agent.runs.list({ q: 'deploy', model_id: 'm1', source: 'SLACK' })).runs).toEqual([]);
    });

    it('rejects malformed filter values with 400 naming the parameter', async () => {
      const sdk = cp.sdk(tenantToken());
      const cases: [RunListParams, string][] = [
        [{ state: ['DONE' as 'QUEUED'] }, 'state must be one of'],
        [{ source: 'EMAIL' as 'API' }, 'source must be one of'],
        [{ artifact_type: 'SCREENSHOT' as 'PLAN' }, 'artifact_type must be one of'],
        [{ created_after: 'yesterday' }, 'created_after must be an RFC 3339 timestamp'],
        [{ created_before: '2026-13-01T00:00:00Z' }, 'created_before must be an RFC 3339 timestamp'],
        [{ updated_after: '1700000000' }, 'updated_after must be an RFC 3339 timestamp'],
        [{ schedule_id: 'nightly' }, 'schedule_id must be a UUID'],
      ];
      for (const [params, message] of cases) {
        const error = await sdkError(sdk.agent.runs.list(params));
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.message).toContain(message);
      }
    });

    it("never lists another tenant's runs, while the admin lists every tenant's", async () => {
      const [alice, bob] = [tenantToken('alice'), tenantToken('bob')];
      const aliceRun = await cp.sdk(alice).agent.run({ prompt: 'shared words' });
      const bobRun = await cp.sdk(bob).agent.run({ prompt: 'shared words' });

      expect(ids(await cp.sdk(alice).agent.runs.list())).toEqual([aliceRun.run_id]);
      expect(ids(await cp.sdk(bob).agent.runs.list({ q: 'shared words' }))).toEqual([bobRun.run_id]);
      expect(new Set(ids(await cp.sdk().agent.runs.list({ q: 'shared words' })))).toEqual(new Set([aliceRun.run_id, bobRun.run_id]));
    });
  });

  describe('order and pagination', () => {
    it('lists newest first, breaking ties in created_at by id', async () => {
      const token = tenantToken();
      const seeded = await seedRuns(cp.dataSource, { token, count: 12, sameTimeGroup: 4 });
      const page = await cp.sdk(token).agent.runs.list({ limit: 100 });

      expect(ids(page)).toEqual(idsOf(seeded));
      const times = page.runs.map((r) => Date.parse(r.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('lists runs created through the SDK newest first', async () => {
      const sdk = cp.sdk(tenantToken());
      const created: string[] = [];
      for (let i = 0; i < 4; i++) {
        created.push((await sdk.agent.run({ prompt: `run ${i}` })).run_id);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      expect(ids(await sdk.agent.runs.list())).toEqual(created.reverse());
    });

    it('walks every run exactly once across pages and ends with has_next_page false and no cursor', async () => {
      const token = tenantToken();
      const seeded = await seedRuns(cp.dataSource, { token, count: 95, sameTimeGroup: 3 });
      const pages = await walk(cp.sdk(token), { limit: 10 });

      expect(pages.map((p) => p.runs.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
      expect(pages.slice(0, -1).every((p) => p.page_info.has_next_page && typeof p.page_info.next_cursor === 'string')).toBe(true);
      expect(pages[pages.length - 1].page_info).toEqual({ has_next_page: false });
      expect(pages.flatMap(ids)).toEqual(idsOf(seeded));
    });

    it('ends on a full last page without asking for an empty one', async () => {
      const token = tenantToken();
      const seeded = await seedRuns(cp.dataSource, { token, count: 20 });
      const pages = await walk(cp.sdk(token), { limit: 10 });

      expect(pages.map((p) => p.runs.length)).toEqual([10, 10]);
      expect(pages[1].page_info).toEqual({ has_next_page: false });
      expect(pages.flatMap(ids)).toEqual(idsOf(seeded));
    });

    it('pages through a filtered list when the cursor is passed back with the same filters', async () => {
      const token = tenantToken();
      const newest = Date.now() - 60_000;
      const failed = await seedRuns(cp.dataSource, { token, count: 30, state: 'FAILED', newest: new Date(newest), stepMs: 2_000 });
      await seedRuns(cp.dataSource, { token, count: 30, state: 'QUEUED', newest: new Date(newest - 1_000), stepMs: 2_000 });

      const pages = await walk(cp.sdk(token), { state: ['FAILED'], limit: 7 });
      expect(pages.map((p) => p.runs.length)).toEqual([7, 7, 7, 7, 2]);
      expect(pages.flatMap(ids)).toEqual(idsOf(failed));
    });

    it('answers the same page every time a cursor is reused', async () => {
      const token = tenantToken();
      const seeded = await seedRuns(cp.dataSource, { token, count: 9, sameTimeGroup: 2 });
      const sdk = cp.sdk(token);
      const first = await sdk.agent.runs.list({ limit: 4 });
      const cursor = first.page_info.next_cursor;

      const again = await sdk.agent.runs.list({ limit: 4, cursor });
      const yetAgain = await sdk.agent.runs.list({ limit: 4, cursor });
      expect(again).toEqual(yetAgain);
      expect(ids(again)).toEqual(idsOf(seeded).slice(4, 8));
    });

    it('keeps a walk stable while runs are created and changed between pages', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      const seeded = await seedRuns(cp.dataSource, { token, count: 60, sameTimeGroup: 2 });
      const oldestFirst = [...seeded].reverse();

      const pages = [await sdk.agent.runs.list({ limit: 7 })];
      let added = 0;
      while (pages[pages.length - 1].page_info.next_cursor) {
        const cursor = pages[pages.length - 1].page_info.next_cursor;
        const n = pages.length;
        // Each page is read while new runs arrive (through the API and straight into the table) and
        // a not-yet-visited run changes state, which moves its updated_at but not its place.
        const [page] = await Promise.all([
          sdk.agent.runs.list({ limit: 7, cursor }),
          sdk.agent.run({ prompt: `arrived during page ${n}` }),
          sdk.agent.run({ prompt: `also arrived during page ${n}` }),
          seedRuns(cp.dataSource, { token, count: 3, newest: new Date(), title: `inserted during page ${n}` }),
          sdk.agent.runs.cancel(oldestFirst[n].id),
        ]);
        added += 5;
        pages.push(page);
      }

      const walked = pages.flatMap(ids);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(idsOf(seeded));
      expect(pages.map((p) => p.runs.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);

      // A new walk starts with the runs that arrived meanwhile, then the original ones.
      const fresh = (await walk(sdk, { limit: 100 })).flatMap(ids);
      expect(fresh).toHaveLength(60 + added);
      expect(fresh.slice(added)).toEqual(idsOf(seeded));
    });

    it('defaults to 20 runs per page and accepts limits from 1 to 100', async () => {
      const token = tenantToken();
      const sdk = cp.sdk(token);
      await seedRuns(cp.dataSource, { token, count: 101 });

      const byDefault = await sdk.agent.runs.list();
      expect(byDefault.runs).toHaveLength(20);
      expect(byDefault.page_info.has_next_page).toBe(true);
      expect((await sdk.agent.runs.list({ limit: 1 })).runs).toHaveLength(1);
      const max = await sdk.agent.runs.list({ limit: 100 });
      expect(max.runs).toHaveLength(100);
      expect(max.page_info.has_next_page).toBe(true);

      for (const limit of [0, -1, 101, 2.5]) {
        const error = await sdkError(sdk.agent.runs.list({ limit }));
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.message).toContain('limit');
      }
      const notANumber = await cp.request('/api/v1/agent/runs?limit=ten', { token });
      expect(notANumber.status).toBe(400);
    });

    it('rejects a cursor the server did not issue', async () => {
      const sdk = cp.sdk(tenantToken());
      const forged = Buffer.from(JSON.stringify({ t: '2026-01-01T00:00:00Z', id: "x' OR 1=1" })).toString('base64url');
      for (const cursor of ['garbage', forged, Buffer.from('[]').toString('base64url')]) {
        const error = await sdkError(sdk.agent.runs.list({ cursor }));
        expect(error).toBeInstanceOf(BadRequestError);
        expect(error.message).toContain('cursor is invalid');
      }
    });
  });
});
