import type { QueryRunner } from 'typeorm';
import { RUN_ACTIVITY_CHANNEL, RUN_CANCELLED_CHANNEL, RUN_PENDING_CHANNEL, RUN_QUEUED_CHANNEL } from './channels';
import { controlPlaneMigrations } from './migrations';

/** Every statement the migrations run, in order, read through a QueryRunner that only records. */
async function migrationSql(direction: 'up' | 'down'): Promise<string[]> {
  const statements: string[] = [];
  const recorder = { query: async (sql: string) => void statements.push(sql) } as unknown as QueryRunner;
  for (const Migration of controlPlaneMigrations) await new Migration()[direction](recorder);
  return statements;
}

const notified = (sql: string) => [...sql.matchAll(/pg_notify\('([^']+)'/g)].map((match) => match[1]);

describe('notification channels', () => {
  it('keep the names the database trigger already sends (renaming one takes a new migration)', () => {
    expect([RUN_QUEUED_CHANNEL, RUN_PENDING_CHANNEL, RUN_CANCELLED_CHANNEL, RUN_ACTIVITY_CHANNEL]).toEqual(['oz_run_queued', 'oz_run_pending', 'oz_run_cancelled', 'oz_run_activity']);
  });

  it('are all sent by the latest runs trigger (the activity of runs by their own triggers), and the migrations send no other', async () => {
    const statements = await migrationSql('up');
    const triggers = statements.filter((sql) => sql.includes('FUNCTION oz_notify_run_changes() RETURNS trigger'));
    expect(new Set(notified(triggers.at(-1) ?? ''))).toEqual(new Set([RUN_QUEUED_CHANNEL, RUN_PENDING_CHANNEL, RUN_CANCELLED_CHANNEL]));
    const activity = statements.filter((sql) => /FUNCTION oz_notify_run_(logs|ended)\(\) RETURNS trigger/.test(sql));
    expect(activity.flatMap(notified)).toEqual([RUN_ACTIVITY_CHANNEL, RUN_ACTIVITY_CHANNEL]);
    const all = [...statements, ...(await migrationSql('down'))].flatMap(notified);
    expect(all.filter((channel) => ![RUN_QUEUED_CHANNEL, RUN_PENDING_CHANNEL, RUN_CANCELLED_CHANNEL, RUN_ACTIVITY_CHANNEL].includes(channel ?? ''))).toEqual([]);
  });
});
