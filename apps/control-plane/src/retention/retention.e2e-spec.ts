import type { RunState } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { RetentionService } from './retention.service';

/** Inserts `count` runs straight into the table; times are in days before now (null = not set). */
async function seedRuns(
  db: DataSource,
  count: number,
  state: RunState | ((i: number) => RunState),
  { createdDaysAgo, completedDaysAgo }: { createdDaysAgo: number; completedDaysAgo: number | null },
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const [i, id] of ids.entries()) {
    await db.query(
      `INSERT INTO runs (id, tenant_key, creator_uid, title, prompt, state, source, created_at, updated_at, completed_at)
       VALUES ($1, 'seeded-tenant', 'seeder', 'seeded', 'seeded', $2, 'API',
               now() - make_interval(days => $3), now() - make_interval(days => $3),
               now() - make_interval(days => $4))`,
      [id, typeof state === 'function' ? state(i) : state, createdDaysAgo, completedDaysAgo],
    );
  }
  return ids;
}

async function existing(db: DataSource, ids: string[]): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(`SELECT id FROM runs WHERE id = ANY($1::uuid[])`, [ids]);
  return rows.map((r) => r.id).sort();
}

const TERMINAL: RunState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

describe('run retention', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane({ OZ_RUN_RETENTION_DAYS: '30', OZ_RETENTION_BATCH_SIZE: '7' });
  });
  afterAll(() => cp.close());

  it('deletes every terminal run finished more than 30 days ago, across several batches, and nothing else', async () => {
    const db = cp.dataSource;
    const expired = await seedRuns(db, 25, (i) => TERMINAL[i % 3], { createdDaysAgo: 41, completedDaysAgo: 40 });
    const recent = await seedRuns(db, 6, (i) => TERMINAL[i % 3], { createdDaysAgo: 11, completedDaysAgo: 10 });
    const justInside = await seedRuns(db, 1, 'SUCCEEDED', { createdDaysAgo: 35, completedDaysAgo: 29 });
    // Unfinished runs are kept however old they are (and even if completed_at were somehow set).
    const oldUnfinished = [
      ...(await seedRuns(db, 1, 'QUEUED', { createdDaysAgo: 40, completedDaysAgo: null })),
      ...(await seedRuns(db, 1, 'INPROGRESS', { createdDaysAgo: 40, completedDaysAgo: null })),
      ...(await seedRuns(db, 1, 'PENDING', { createdDaysAgo: 40, completedDaysAgo: 40 })),
    ];
    const live = await cp.sdk(tenantToken()).agent.run({ prompt: 'Fresh run' });
    const kept = [...recent, ...justInside, ...oldUnfinished, live.run_id];

    // 25 is more than three batches of 7: one batch alone would leave 18 behind.
    expect(await cp.app.get(RetentionService).sweep()).toBe(25);

    expect(await existing(db, expired)).toEqual([]);
    expect(await existing(db, kept)).toEqual([...kept].sort());
    expect(await cp.app.get(RetentionService).sweep()).toBe(0);
  });

  it('measures the cutoff from the time it is given', async () => {
    const db = cp.dataSource;
    const tenDaysOld = await seedRuns(db, 3, 'SUCCEEDED', { createdDaysAgo: 10, completedDaysAgo: 10 });

    // Today they are 10 days old and kept; seen from 25 days in the future they are 35 days old.
    expect(await cp.app.get(RetentionService).sweep()).toBe(0);
    expect(await existing(db, tenDaysOld)).toHaveLength(3);
    expect(await cp.app.get(RetentionService).sweep(new Date(Date.now() + 25 * 86_400_000))).toBeGreaterThanOrEqual(3);
    expect(await existing(db, tenDaysOld)).toEqual([]);
  });

  it('deletes nothing when OZ_RUN_RETENTION_DAYS is 0', async () => {
    const retentionOff = await startControlPlane({ OZ_RUN_RETENTION_DAYS: '0', OZ_RETENTION_BATCH_SIZE: '7' }, cp.database);
    try {
      const ancient = await seedRuns(retentionOff.dataSource, 10, 'SUCCEEDED', { createdDaysAgo: 400, completedDaysAgo: 400 });

      expect(await retentionOff.app.get(RetentionService).sweep()).toBe(0);

      expect(await existing(retentionOff.dataSource, ancient)).toHaveLength(10);
    } finally {
      await retentionOff.close();
    }
  });
});
