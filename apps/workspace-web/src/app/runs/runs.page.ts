import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { RUN_SOURCES, RUN_STATES, type RunState } from '@oz/contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { LiveStatusComponent } from '../control-plane/live-status.component';
import { errorMessage } from '../core/api/api-error';
import { RunStateComponent } from '../ui/run-state.component';
import { TimeComponent } from '../ui/time.component';
import { NO_FILTERS, RunsStore, type RunFilters } from './runs.store';

const STATE_LABELS: Record<RunState, string> = {
  QUEUED: 'Queued',
  PENDING: 'Pending',
  CLAIMED: 'Claimed',
  INPROGRESS: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

/** `/runs`: the control plane's runs, filtered and paged as the SDK does, states changing live. */
@Component({
  selector: 'oz-runs-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent, LiveStatusComponent, RunStateComponent, TimeComponent],
  providers: [RunsStore],
  templateUrl: './runs.page.html',
  styleUrl: './runs.page.css',
})
export class RunsPage {
  /** Query parameters (router input binding): the filters live in the URL. */
  readonly state = input<string | string[] | undefined>();
  readonly q = input<string | undefined>();
  readonly source = input<string | undefined>();
  readonly model_id = input<string | undefined>();
  readonly environment_id = input<string | undefined>();
  readonly created_after = input<string | undefined>();
  readonly created_before = input<string | undefined>();
  readonly schedule_id = input<string | undefined>();

  protected readonly store = inject(RunsStore);
  protected readonly status = inject(ControlPlaneStatusStore);
  private readonly api = inject(ControlPlaneApi);
  private readonly router = inject(Router);
  protected readonly states = RUN_STATES;
  protected readonly stateLabels = STATE_LABELS;
  protected readonly sources = RUN_SOURCES;
  protected readonly filters = computed<RunFilters>(() => {
    const state = this.state();
    const states = (Array.isArray(state) ? state : state ? [state] : []).filter((s): s is RunState => (RUN_STATES as readonly string[]).includes(s));
    return {
      state: states,
      q: this.q() ?? '',
      source: this.source() ?? '',
      model_id: this.model_id() ?? '',
      environment_id: this.environment_id() ?? '',
      created_after: this.created_after() ?? '',
      created_before: this.created_before() ?? '',
      schedule_id: this.schedule_id() ?? '',
    };
  });
  protected readonly filtered = computed(() => JSON.stringify(this.filters()) !== JSON.stringify(NO_FILTERS));
  protected readonly newRunOpen = signal(false);
  protected readonly newRunBusy = signal(false);
  protected readonly newRunError = signal<string | null>(null);

  constructor() {
    effect(() => {
      const filters = this.filters();
      untracked(() => {
        void this.status.ensureLoaded().then((availability) => {
          if (availability === 'available') void this.store.show(filters);
        });
      });
    });
  }

  protected toggleState(state: RunState): void {
    const current = this.filters().state;
    const next = current.includes(state) ? current.filter((s) => s !== state) : [...current, state];
    this.apply({ ...this.filters(), state: next });
  }

  protected applyForm(event: Event): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (name: string) => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '').trim();
    this.apply({
      ...this.filters(),
      q: value('q'),
      source: value('source'),
      model_id: value('model_id'),
      environment_id: value('environment_id'),
      created_after: value('created_after'),
      created_before: value('created_before'),
      schedule_id: value('schedule_id'),
    });
  }

  protected clear(): void {
    this.apply(NO_FILTERS);
  }

  private apply(filters: RunFilters): void {
    const queryParams: Record<string, string | string[] | null> = {};
    for (const [key, value] of Object.entries(filters)) queryParams[key] = Array.isArray(value) ? (value.length ? value : null) : value || null;
    void this.router.navigate([], { queryParams });
  }

  protected async createRun(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (name: string) => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '').trim();
    const prompt = value('prompt');
    if (!prompt) {
      this.newRunError.set('Write the prompt the agent should work on.');
      return;
    }
    this.newRunBusy.set(true);
    this.newRunError.set(null);
    try {
      const config: Record<string, string> = {};
      if (value('new_model')) config['model_id'] = value('new_model');
      if (value('new_environment')) config['environment_id'] = value('new_environment');
      const created = await this.api.createRun({ prompt, config });
      await this.router.navigate(['/runs', created.run_id]);
    } catch (error) {
      this.newRunError.set(`The run was not created: ${errorMessage(error)}`);
    } finally {
      this.newRunBusy.set(false);
    }
  }
}
