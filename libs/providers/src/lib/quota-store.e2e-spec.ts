import { createTestDatabase, type TestDatabase } from '@oz/testing';
import { Pool } from 'pg';
import { PROVIDER_QUOTA_SCHEMA_V1, QuotaStore } from './quota-store';

/** Quotas on a real PostgreSQL: two pools stand for two replicas sharing the database. */
describe('QuotaStore', () => {
  let database: TestDatabase;
  let pools: Pool[];
  let replicaA: QuotaStore;
  let replicaB: QuotaStore;
  let key = 0;
  /** A fresh provider key per test, so tests share the database but not windows. */
  const freshKey = () => `provider_${++key}`;

  beforeAll(async () => {
    database = await createTestDatabase('oz_quota');
    pools = [new Pool({ connectionString: database.url, max: 10 }), new Pool({ connectionString: database.url, max: 10 })];
    for (const statement of PROVIDER_QUOTA_SCHEMA_V1.up) await pools[0].query(statement);
    [replicaA, replicaB] = pools.map((pool) => new QuotaStore(pool));
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database.drop();
  });

  it('gives exactly the limit to many concurrent callers on two replicas', async () => {
    const provider = freshKey();
    const limits = { limit: 7, windowSeconds: 3600 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? replicaA : replicaB).reserve(provider, limits, null)),
    );
    const granted = results.filter((r) => r.reserved);
    expect(granted).toHaveLength(7);
    // Each granted caller got a slot of its own: the counts 1…7, each once.
    expect(granted.map((r) => r.used).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const refused of results.filter((r) => !r.reserved)) {
      expect(refused).toMatchObject({ reserved: false, used: 7, nextFreeAt: expect.any(Date) });
    }
    expect((await replicaB.usage(provider, limits)).used).toBe(7);
  });

  it('rolls the window: a slot frees exactly when its oldest use is WINDOW_SECONDS old', async () => {
    const provider = freshKey();
    const limits = { limit: 3, windowSeconds: 60 };
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    for (const offset of [0, 1_000, 2_000]) expect((await replicaA.reserve(provider, limits, null, at(offset))).reserved).toBe(true);

    const justBefore = await replicaB.reserve(provider, limits, null, at(59_999));
    expect(justBefore).toEqual({ reserved: false, used: 3, nextFreeAt: at(60_000) });
    expect(await replicaA.usage(provider, limits, at(59_999))).toMatchObject({ used: 3, nextFreeAt: at(60_000) });

    expect(await replicaB.reserve(provider, limits, null, at(60_000))).toMatchObject({ reserved: true, used: 3 });
    // Full again; the next slot is the second use's, a second later, not a whole window later.
    expect(await replicaA.reserve(provider, limits, null, at(60_500))).toEqual({ reserved: false, used: 3, nextFreeAt: at(61_000) });
    expect(await replicaA.usage(provider, limits, at(100_000))).toMatchObject({ used: 1, nextFreeAt: null });
  });

  it('after a lower limit, says when enough old uses have left the window', async () => {
    const provider = freshKey();
    const t0 = Date.parse('2030-02-01T00:00:00.000Z');
    for (let i = 0; i < 5; i++) await replicaA.reserve(provider, { limit: 5, windowSeconds: 100 }, null, new Date(t0 + i * 1000));
    // Now the limit is 2: four uses must leave before one is free; the fourth oldest leaves at t0 + 3 s + 100 s.
    const refused = await replicaA.reserve(provider, { limit: 2, windowSeconds: 100 }, null, new Date(t0 + 10_000));
    expect(refused).toEqual({ reserved: false, used: 5, nextFreeAt: new Date(t0 + 103_000) });
  });

  it('never refuses a provider without limits, unless it rests after a 429', async () => {
    const provider = freshKey();
    for (let i = 0; i < 5; i++) expect(await replicaA.reserve(provider, null, null)).toEqual({ reserved: true, useId: null, used: 0 });
    const until = new Date(Date.now() + 60_000);
    await replicaB.block(provider, until, 'HTTP 429');
    expect(await replicaA.reserve(provider, null, null)).toEqual({ reserved: false, used: 0, nextFreeAt: until });
    expect((await replicaA.activeBlocks()).get(provider)).toEqual(until);
  });

  it('keeps the later of two blocks, with its reason, and lets the provider back once the block is over', async () => {
    const provider = freshKey();
    const limits = { limit: 10, windowSeconds: 60 };
    const now = Date.now();
    const until = new Date(now + 30_000);
    await replicaA.block(provider, until, 'first 429');
    // A shorter pause seen later by another replica does not shorten the first one.
    await replicaB.block(provider, new Date(now + 5_000), 'shorter 429');
    expect(await replicaA.reserve(provider, limits, null)).toEqual({ reserved: false, used: 0, nextFreeAt: until });
    expect(await replicaA.usage(provider, limits)).toEqual({ used: 0, nextFreeAt: null, blockedUntil: until, blockReason: 'first 429' });
    // The clock is injected from here: the block holds to its last millisecond, and is over at its time.
    expect(await replicaB.reserve(provider, limits, null, new Date(until.getTime() - 1))).toEqual({ reserved: false, used: 0, nextFreeAt: until });
    expect(await replicaB.reserve(provider, limits, null, until)).toMatchObject({ reserved: true, used: 1 });
    expect(await replicaA.usage(provider, limits, until)).toEqual({ used: 1, nextFreeAt: null, blockedUntil: null, blockReason: null });
  });

  it('lets a longer block replace a shorter one, reason included', async () => {
    const provider = freshKey();
    const now = Date.now();
    await replicaA.block(provider, new Date(now + 5_000), 'short 429');
    await replicaB.block(provider, new Date(now + 50_000), 'long 429');
    expect(await replicaA.usage(provider, null)).toMatchObject({ blockedUntil: new Date(now + 50_000), blockReason: 'long 429' });
    expect(await replicaA.reserve(provider, null, null)).toEqual({ reserved: false, used: 0, nextFreeAt: new Date(now + 50_000) });
  });

  it('when both full and blocked, says the later of the two times', async () => {
    const provider = freshKey();
    const limits = { limit: 1, windowSeconds: 60 };
    const t0 = Date.parse('2030-04-01T00:00:00.000Z');
    await replicaA.reserve(provider, limits, null, new Date(t0));
    await replicaA.block(provider, new Date(t0 + 90_000), '429');
    expect(await replicaB.reserve(provider, limits, null, new Date(t0 + 1_000))).toEqual({ reserved: false, used: 1, nextFreeAt: new Date(t0 + 90_000) });
    // Past the window, still blocked: refused until the block ends, though no slot is in use.
    expect(await replicaB.reserve(provider, limits, null, new Date(t0 + 70_000))).toEqual({ reserved: false, used: 0, nextFreeAt: new Date(t0 + 90_000) });
    expect(await replicaB.reserve(provider, limits, null, new Date(t0 + 90_000))).toMatchObject({ reserved: true, used: 1 });
  });

  it('reports usage: used slots, the next free one only when full, and an active block', async () => {
    const provider = freshKey();
    const limits = { limit: 2, windowSeconds: 100 };
    const t0 = Date.parse('2030-05-01T00:00:00.000Z');
    const at = (ms: number) => new Date(t0 + ms);
    const idle = { used: 0, nextFreeAt: null, blockedUntil: null, blockReason: null };
    expect(await replicaA.usage(provider, limits, at(0))).toEqual(idle);

    await replicaA.reserve(provider, limits, null, at(0));
    expect(await replicaA.usage(provider, limits, at(1))).toEqual({ ...idle, used: 1 });
    await replicaA.reserve(provider, limits, null, at(5_000));
    expect(await replicaB.usage(provider, limits, at(6_000))).toEqual({ ...idle, used: 2, nextFreeAt: at(100_000) });

    await replicaA.block(provider, at(200_000), 'HTTP 429: slow down');
    expect(await replicaB.usage(provider, limits, at(6_000))).toEqual({ used: 2, nextFreeAt: at(100_000), blockedUntil: at(200_000), blockReason: 'HTTP 429: slow down' });
    // The first use has left the window: one slot used, none awaited; the block still stands.
    expect(await replicaB.usage(provider, limits, at(100_000))).toEqual({ used: 1, nextFreeAt: null, blockedUntil: at(200_000), blockReason: 'HTTP 429: slow down' });
    expect(await replicaB.usage(provider, limits, at(200_000))).toEqual(idle);
    // Usage never deletes: the window as seen at an earlier time is still whole.
    expect((await replicaB.usage(provider, limits, at(6_000))).used).toBe(2);
  });

  it('counts nothing for a provider without limits', async () => {
    const provider = freshKey();
    await replicaA.reserve(provider, null, null);
    expect(await replicaA.usage(provider, null)).toEqual({ used: 0, nextFreeAt: null, blockedUntil: null, blockReason: null });
  });

  it('gives a slot back on release, and only that slot', async () => {
    const provider = freshKey();
    const limits = { limit: 2, windowSeconds: 3600 };
    const runId = '6f1c1f9e-8f0e-4d4e-9c57-0d6f1e0a1b2c';
    const first = await replicaA.reserve(provider, limits, runId);
    const second = await replicaA.reserve(provider, limits, null);
    expect(first).toMatchObject({ reserved: true, useId: expect.stringMatching(/^\d+$/), used: 1 });
    expect(second).toMatchObject({ reserved: true, used: 2 });
    // The run that spent the slot is recorded with it.
    const { rows } = await pools[0].query('SELECT run_id FROM provider_quota_uses WHERE provider_key = $1 ORDER BY id', [provider]);
    expect(rows).toEqual([{ run_id: runId }, { run_id: null }]);
    expect((await replicaA.reserve(provider, limits, null)).reserved).toBe(false);

    if (!first.reserved || !first.useId) throw new Error('expected a use id');
    await replicaB.release(first.useId);
    expect((await replicaA.usage(provider, limits)).used).toBe(1);
    expect(await replicaA.reserve(provider, limits, null)).toMatchObject({ reserved: true, used: 2 });
    expect((await replicaA.reserve(provider, limits, null)).reserved).toBe(false);
  });

  it('forgets uses that have left the window', async () => {
    const provider = freshKey();
    const t0 = Date.parse('2030-03-01T00:00:00.000Z');
    for (let i = 0; i < 4; i++) await replicaA.reserve(provider, { limit: 10, windowSeconds: 10 }, null, new Date(t0 + i));
    await replicaA.reserve(provider, { limit: 10, windowSeconds: 10 }, null, new Date(t0 + 60_000));
    const { rows } = await pools[0].query('SELECT count(*)::int AS n FROM provider_quota_uses WHERE provider_key = $1', [provider]);
    expect(rows[0].n).toBe(1);
  });
});
