import { Inject, Injectable, Logger } from '@nestjs/common';
import { TERMINAL_RUN_STATES, type RunState } from '@oz/contract';
import { QuotaStore } from '@oz/providers';
import { loggableError } from '@oz/server-kit';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { InjectPool } from '../database/pg-pool';
import { UNFINISHED_RUN_STATES } from '../runs/run-state';
import { Metrics } from './metrics';

/** Unfinished runs are few (a range of runs_state_idx each, well under a millisecond): counted afresh for every scrape. */
const UNFINISHED_TTL_MS = 0;
/**
 * Finished runs are everything retention keeps (a million runs take ~0.1 s to count on the index):
 * recounted at most once a minute per replica.
 */
const FINISHED_TTL_MS = 60_000;

/** The two queues: provider runs wait QUEUED for an executor, worker runs PENDING for a worker. */
const QUEUES = { provider: 'QUEUED', worker: 'PENDING' } as const satisfies Record<string, RunState>;

interface UnfinishedRuns {
  count: Map<RunState, number>;
  /** Seconds the longest-waiting run of the state has waited, by the database's clock. */
  oldestWait: Map<RunState, number>;
}

/**
 * The gauges of what the database holds, read when Prometheus scrapes rather than kept in memory:
 * every replica reads the same rows, so every replica reports the same numbers (aggregate them with
 * max, never sum), and a replica that restarts loses nothing. `oz_runs` by state, `oz_queue_depth`
 * and `oz_queue_oldest_age_seconds`, and the provider quotas' use. A scrape while the database does
 * not answer leaves these gauges out (and logs why) instead of failing the whole scrape.
 */
@Injectable()
export class RunGauges {
  private readonly logger = new Logger('metrics');
  private readonly unfinished = new Cached(() => this.readUnfinished(), UNFINISHED_TTL_MS);
  private readonly finished = new Cached(() => this.readFinished(), FINISHED_TTL_MS);

  constructor(
    metrics: Metrics,
    @InjectPool() private readonly pool: Pool,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
  ) {
    // prom-client calls collect() on the gauge itself: these close over this instance instead.
    const unfinished = () => this.read(this.unfinished);
    const finished = () => this.read(this.finished);
    new Gauge({
      name: 'oz_runs',
      help: 'Runs in each state, database-wide (every replica reports the same: aggregate with max). Finished states are recounted once a minute.',
      labelNames: ['state'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const [open, closed] = await Promise.all([unfinished(), finished()]);
        if (open) for (const state of UNFINISHED_RUN_STATES) this.set({ state }, open.count.get(state) ?? 0);
        if (closed) for (const state of TERMINAL_RUN_STATES) this.set({ state }, closed.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'oz_queue_depth',
      help: 'Runs waiting, database-wide. queue: provider (QUEUED) or worker (PENDING, assigned but not yet claimed included).',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const open = await unfinished();
        if (!open) return;
        for (const [queue, state] of Object.entries(QUEUES)) this.set({ queue }, open.count.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'oz_queue_oldest_age_seconds',
      help: 'Seconds the longest-waiting run of the queue has waited since it (last) entered it, a provider run since it first found every provider saturated; 0 when the queue is empty. Database-wide.',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const open = await unfinished();
        if (!open) return;
        for (const [queue, state] of Object.entries(QUEUES)) this.set({ queue }, open.oldestWait.get(state) ?? 0);
      },
    });
    metrics.providers.reportQuotas(config.providers, new QuotaStore(pool), (error) => this.unavailable(error));
  }

  private async read<T>(cached: Cached<T>): Promise<T | null> {
    try {
      return await cached.get();
    } catch (error) {
      this.unavailable(error);
      return null;
    }
  }

  private unavailable(error: unknown): void {
    this.logger.warn({ err: loggableError(error) }, 'metrics.database_unavailable');
  }

  /**
   * Counts and waits of the unfinished states. A run waits from when it last entered its state
   * (`updated_at`: creation, or a worker lost and the run retried); a provider run that found every
   * provider saturated, from that moment (`saturated_since`), however often it was requeued since.
   */
  private async readUnfinished(): Promise<UnfinishedRuns> {
    const { rows } = await this.pool.query<{ state: RunState; runs: number; oldest_wait: number }>(
      `SELECT state, count(*)::int AS runs,
              extract(epoch FROM now() - min(CASE WHEN state = 'QUEUED' THEN coalesce(saturated_since, updated_at) ELSE updated_at END))::float8 AS oldest_wait
         FROM runs WHERE state = ANY($1) GROUP BY state`,
      [UNFINISHED_RUN_STATES],
    );
    return {
      count: new Map(rows.map((row) => [row.state, row.runs])),
      oldestWait: new Map(rows.map((row) => [row.state, Math.max(0, row.oldest_wait)])),
    };
  }

  private async readFinished(): Promise<Map<RunState, number>> {
    const { rows } = await this.pool.query<{ state: RunState; runs: string }>(
      'SELECT state, count(*) AS runs FROM runs WHERE state = ANY($1) GROUP BY state',
      [TERMINAL_RUN_STATES],
    );
    return new Map(rows.map((row) => [row.state, Number(row.runs)]));
  }
}

/**
 * A value read at most once per `ttlMs`, and shared by the readers that ask while it is being read
 * (one scrape collects several gauges at once). A failed read is not kept: the next reader tries again.
 */
class Cached<T> {
  private current: { at: number; settled: boolean; value: Promise<T> } | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (this.current && (!this.current.settled || now - this.current.at < this.ttlMs)) return this.current.value;
    const entry = { at: now, settled: false, value: this.read() };
    this.current = entry;
    entry.value.then(
      () => (entry.settled = true),
      () => {
        if (this.current === entry) this.current = null;
      },
    );
    return entry.value;
  }
}
