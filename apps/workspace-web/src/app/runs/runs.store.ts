import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { isTerminalRunState, type RunItem, type RunListParams, type RunState } from '@oz/contract';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { UserEvents } from '../control-plane/user-events';
import { errorMessage } from '../core/api/api-error';

export const RUNS_PAGE_SIZE = 25;

/** The filters the runs page offers (the SDK's), as they appear in the URL. */
export interface RunFilters {
  state: RunState[];
  q: string;
  source: string;
  model_id: string;
  environment_id: string;
  created_after: string;
  created_before: string;
  schedule_id: string;
}

export const NO_FILTERS: RunFilters = { state: [], q: '', source: '', model_id: '', environment_id: '', created_after: '', created_before: '', schedule_id: '' };

/**
 * One page of runs with the SDK's filters and cursor paging (back goes through the cursors already
 * seen). Runs on the page change state live from the user channel; a new run appears on the first
 * page when it matches the state filter.
 */
@Injectable()
export class RunsStore {
  private readonly api = inject(ControlPlaneApi);
  private readonly events = inject(UserEvents);
  private readonly runsSignal = signal<readonly RunItem[]>([]);
  private readonly loadingSignal = signal(false);
  private readonly errorSignal = signal<string | null>(null);
  private readonly nextCursorSignal = signal<string | null>(null);
  /** Cursors of the pages before this one ('' is the first page). */
  private readonly trail = signal<string[]>([]);
  private readonly cursorSignal = signal('');
  private filters: RunFilters = NO_FILTERS;
  private request: AbortController | null = null;

  readonly runs = this.runsSignal.asReadonly();
  readonly loading = this.loadingSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  readonly hasNext = computed(() => this.nextCursorSignal() !== null);
  readonly hasPrevious = computed(() => this.trail().length > 0);
  readonly pageNumber = computed(() => this.trail().length + 1);
  readonly anyActive = computed(() => this.runsSignal().some((r) => !isTerminalRunState(r.state)));

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.events.on('run', (run) => this.receive(run), destroyRef);
    this.events.onResync(() => void this.reload(), destroyRef);
  }

  /** Shows the first page for these filters. */
  async show(filters: RunFilters, cursor = ''): Promise<void> {
    this.filters = filters;
    this.trail.set([]);
    await this.loadPage(cursor);
  }

  async next(): Promise<void> {
    const cursor = this.nextCursorSignal();
    if (cursor === null) return;
    const current = this.cursorSignal();
    await this.loadPage(cursor);
    if (!this.errorSignal()) this.trail.update((trail) => [...trail, current]);
  }

  async previous(): Promise<void> {
    const trail = this.trail();
    if (!trail.length) return;
    await this.loadPage(trail[trail.length - 1]);
    if (!this.errorSignal()) this.trail.set(trail.slice(0, -1));
  }

  /** The current page again (polling, or after a resync). */
  reload(): Promise<void> {
    return this.loadPage(this.cursorSignal(), true);
  }

  get cursor(): string {
    return this.cursorSignal();
  }

  /** A run changed or appeared (user channel). */
  receive(run: RunItem): void {
    this.runsSignal.update((runs) => {
      const index = runs.findIndex((r) => r.run_id === run.run_id);
      if (index !== -1) return runs.map((r) => (r.run_id === run.run_id ? { ...run, output: r.output } : r));
      const firstPage = this.trail().length === 0 && this.cursorSignal() === '';
      const matches = !this.filters.state.length || this.filters.state.includes(run.state);
      const unfiltered = !this.filters.q && !this.filters.source && !this.filters.model_id && !this.filters.environment_id && !this.filters.created_before && !this.filters.schedule_id;
      return firstPage && matches && unfiltered ? [run, ...runs].slice(0, RUNS_PAGE_SIZE) : runs;
    });
  }

  private async loadPage(cursor: string, quiet = false): Promise<void> {
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    if (!quiet) this.loadingSignal.set(true);
    try {
      const page = await this.api.runs(queryOf(this.filters, cursor), request.signal);
      if (request.signal.aborted) return;
      this.runsSignal.set(page.runs);
      this.nextCursorSignal.set(page.page_info.has_next_page ? (page.page_info.next_cursor ?? null) : null);
      this.cursorSignal.set(cursor);
      this.errorSignal.set(null);
    } catch (error) {
      if (request.signal.aborted) return;
      this.errorSignal.set(`Could not load runs: ${errorMessage(error)}`);
    } finally {
      if (this.request === request) {
        this.loadingSignal.set(false);
        this.request = null;
      }
    }
  }
}

export function queryOf(filters: RunFilters, cursor: string): RunListParams {
  const query: RunListParams = { limit: RUNS_PAGE_SIZE };
  if (cursor) query.cursor = cursor;
  if (filters.state.length) query.state = filters.state;
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.source) query.source = filters.source as RunListParams['source'];
  if (filters.model_id.trim()) query.model_id = filters.model_id.trim();
  if (filters.environment_id.trim()) query.environment_id = filters.environment_id.trim();
  if (filters.created_after) query.created_after = new Date(filters.created_after).toISOString();
  if (filters.created_before) query.created_before = new Date(filters.created_before).toISOString();
  if (filters.schedule_id.trim()) query.schedule_id = filters.schedule_id.trim();
  return query;
}
