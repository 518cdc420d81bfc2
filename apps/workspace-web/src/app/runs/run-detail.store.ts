import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { isTerminalRunState, type RunItem, type RunState } from '@oz/contract';
import type { RunLogLine } from '@oz/workspace-contract';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { UserEvents } from '../control-plane/user-events';
import { ApiError, errorMessage } from '../core/api/api-error';
import { RUN_STATE_LABELS } from '../ui/run-state.component';

export interface TimelineEntry {
  state: RunState | 'STARTED';
  at: string;
  /** What happened, in words ("Created", "Running", "Succeeded"). */
  label: string;
}

/** Log lines kept in the page (the oldest go first). */
const MAX_LOG_LINES = 5_000;

/**
 * One run: its state (with the transitions seen), output growing while it runs, and the worker's log
 * lines, all live from the user channel (or polled where the server has none yet).
 */
@Injectable()
export class RunDetailStore {
  private readonly api = inject(ControlPlaneApi);
  private readonly events = inject(UserEvents);
  private readonly runSignal = signal<RunItem | null>(null);
  private readonly logsSignal = signal<readonly RunLogLine[]>([]);
  private readonly seen = signal<readonly TimelineEntry[]>([]);
  private readonly statusSignal = signal<'loading' | 'ready' | 'not-found' | 'error'>('loading');
  private readonly errorSignal = signal<string | null>(null);
  private readonly logsErrorSignal = signal<string | null>(null);
  private runId: string | null = null;
  private logsAfter = 0;

  readonly run = this.runSignal.asReadonly();
  readonly logs = this.logsSignal.asReadonly();
  readonly status = this.statusSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  readonly logsError = this.logsErrorSignal.asReadonly();
  readonly active = computed(() => {
    const run = this.runSignal();
    return !!run && !isTerminalRunState(run.state);
  });
  /** Created, started, each state seen change here, and the end. */
  readonly timeline = computed<TimelineEntry[]>(() => {
    const run = this.runSignal();
    if (!run) return [];
    const entries: TimelineEntry[] = [{ state: run.agent_config.environment_id ? 'PENDING' : 'QUEUED', at: run.created_at, label: 'Created' }];
    if (run.started_at) entries.push({ state: 'STARTED', at: run.started_at, label: 'Started' });
    for (const entry of this.seen()) if (!entries.some((e) => e.state === entry.state)) entries.push(entry);
    if (isTerminalRunState(run.state) && !entries.some((e) => e.state === run.state)) {
      entries.push({ state: run.state, at: run.updated_at, label: RUN_STATE_LABELS[run.state].text });
    }
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.events.on('run', (run) => run.run_id === this.runId && this.applyRun({ ...run, output: this.runSignal()?.output ?? null }), destroyRef);
    this.events.on(
      'run_output',
      (delta) => {
        if (delta.run_id !== this.runId) return;
        this.runSignal.update((run) => {
          if (!run) return run;
          const output = run.output ?? '';
          if (delta.offset > output.length) return run;
          return { ...run, output: output.slice(0, delta.offset) + delta.delta };
        });
      },
      destroyRef,
    );
    this.events.on('run_log', (event) => event.run_id === this.runId && this.appendLogs(event.lines), destroyRef);
    this.events.onResync(() => void this.refresh(), destroyRef);
  }

  async open(runId: string): Promise<void> {
    this.runId = runId;
    this.runSignal.set(null);
    this.logsSignal.set([]);
    this.seen.set([]);
    this.logsAfter = 0;
    this.statusSignal.set('loading');
    await this.refresh();
  }

  /** Run and new log lines, again (polling, resync). */
  async refresh(): Promise<void> {
    const runId = this.runId;
    if (!runId) return;
    try {
      const run = await this.api.run(runId);
      if (runId !== this.runId) return;
      this.applyRun(run);
      this.statusSignal.set('ready');
      this.errorSignal.set(null);
    } catch (error) {
      if (runId !== this.runId) return;
      if (error instanceof ApiError && error.status === 404) this.statusSignal.set('not-found');
      else if (this.statusSignal() === 'loading') {
        this.statusSignal.set('error');
        this.errorSignal.set(`Could not load this run: ${errorMessage(error)}`);
      } else this.errorSignal.set(`Could not bring this run up to date: ${errorMessage(error)}`);
      return;
    }
    await this.readLogs();
  }

  private async readLogs(): Promise<void> {
    const runId = this.runId;
    if (!runId) return;
    try {
      for (let i = 0; i < 10; i++) {
        const page = await this.api.logs(runId, this.logsAfter);
        if (runId !== this.runId) return;
        this.appendLogs(page.lines);
        if (page.lines.length === 0 || page.next_after <= this.logsAfter) break;
      }
      this.logsErrorSignal.set(null);
    } catch (error) {
      this.logsErrorSignal.set(`Could not read the log: ${errorMessage(error)}`);
    }
  }

  private appendLogs(lines: readonly RunLogLine[]): void {
    const fresh = lines.filter((line) => line.id > this.logsAfter);
    if (!fresh.length) return;
    this.logsAfter = fresh[fresh.length - 1].id;
    this.logsSignal.update((logs) => [...logs, ...fresh].slice(-MAX_LOG_LINES));
  }

  private applyRun(run: RunItem): void {
    const previous = this.runSignal();
    if (previous && previous.state !== run.state) {
      this.seen.update((entries) => [...entries, { state: run.state, at: run.updated_at, label: RUN_STATE_LABELS[run.state].text }]);
    }
    this.runSignal.set(run);
  }

  async cancel(): Promise<void> {
    const runId = this.runId;
    if (!runId) return;
    const run = await this.api.cancelRun(runId);
    if (runId === this.runId) this.applyRun({ ...run, output: run.output ?? this.runSignal()?.output ?? null });
  }
}
