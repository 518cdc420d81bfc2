import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import type { ScheduledAgentItem, ScheduleUpdateParams } from '@oz/contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { ApiError, errorMessage } from '../core/api/api-error';
import { Notices } from '../core/feedback/notices';
import { Clock, fullDate, timeUntil } from '../ui/clock';
import { ConfirmedDelete } from '../core/feedback/confirmed-delete';
import { cronInWords } from './cron-words';

interface ScheduleForm {
  name: string;
  cron: string;
  prompt: string;
  enabled: boolean;
  modelId: string;
  environmentId: string;
  basePrompt: string;
}

const EMPTY: ScheduleForm = { name: '', cron: '0 9 * * 1-5', prompt: '', enabled: true, modelId: '', environmentId: '', basePrompt: '' };

/** `/schedules/new` and `/schedules/:scheduleId`. */
@Component({
  selector: 'oz-schedule-editor-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent],
  templateUrl: './schedule-editor.page.html',
})
export class ScheduleEditorPage {
  readonly scheduleId = input<string | undefined>();
  private readonly api = inject(ControlPlaneApi);
  private readonly status = inject(ControlPlaneStatusStore);
  private readonly router = inject(Router);
  private readonly deletion = inject(ConfirmedDelete);
  private readonly notices = inject(Notices);
  private readonly clock = inject(Clock);
  protected readonly form = signal<ScheduleForm>(EMPTY);
  protected readonly loaded = signal<ScheduledAgentItem | null>(null);
  protected readonly loadState = signal<'loading' | 'ready' | 'not-found' | 'error'>('loading');
  protected readonly error = signal<string | null>(null);
  protected readonly fieldErrors = signal<Record<string, string>>({});
  protected readonly busy = signal(false);
  protected readonly isNew = computed(() => !this.scheduleId());
  protected readonly words = computed(() => cronInWords(this.form().cron));
  protected readonly nextRun = computed(() => {
    const next = this.loaded()?.history.next_run;
    return next && this.loaded()?.enabled ? `${timeUntil(next, this.clock.now())} (${fullDate(next)})` : null;
  });

  constructor() {
    effect(() => {
      const id = this.scheduleId();
      untracked(() => this.status.whenAvailable(() => this.load(id)));
    });
  }

  protected async load(id: string | undefined): Promise<void> {
    this.error.set(null);
    this.fieldErrors.set({});
    if (!id) {
      this.form.set(EMPTY);
      this.loaded.set(null);
      this.loadState.set('ready');
      return;
    }
    this.loadState.set('loading');
    try {
      const s = await this.api.schedule(id);
      this.loaded.set(s);
      this.form.set({
        name: s.name,
        cron: s.cron_schedule,
        prompt: s.prompt,
        enabled: s.enabled,
        modelId: s.agent_config.model_id ?? '',
        environmentId: s.agent_config.environment_id ?? '',
        basePrompt: s.agent_config.base_prompt ?? '',
      });
      this.loadState.set('ready');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.loadState.set('not-found');
      else {
        this.error.set(`Could not load this schedule: ${errorMessage(error)}`);
        this.loadState.set('error');
      }
    }
  }

  protected set(key: keyof ScheduleForm, event: Event): void {
    const target = event.target as HTMLInputElement;
    const value = target.type === 'checkbox' ? target.checked : target.value;
    this.form.update((form) => ({ ...form, [key]: value }));
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const form = this.form();
    const problems: Record<string, string> = {};
    if (!form.name.trim()) problems['name'] = 'Give the schedule a name.';
    if (form.cron.trim().split(/\s+/).length !== 5) problems['cron_schedule'] = 'Use 5 fields: minute hour day-of-month month day-of-week (UTC).';
    if (!form.prompt.trim()) problems['prompt'] = 'Write the prompt each run gets.';
    this.fieldErrors.set(problems);
    this.error.set(null);
    if (Object.keys(problems).length) return;
    const agentConfig: ScheduleUpdateParams['agent_config'] = {};
    if (form.modelId.trim()) agentConfig.model_id = form.modelId.trim();
    if (form.environmentId.trim()) agentConfig.environment_id = form.environmentId.trim();
    if (form.basePrompt.trim()) agentConfig.base_prompt = form.basePrompt;
    const params: ScheduleUpdateParams = { name: form.name.trim(), cron_schedule: form.cron.trim(), prompt: form.prompt, enabled: form.enabled, agent_config: agentConfig };
    this.busy.set(true);
    try {
      const id = this.scheduleId();
      const saved = id ? await this.api.updateSchedule(id, params) : await this.api.createSchedule(params);
      this.notices.success(`${saved.name} was saved.`);
      if (!id) await this.router.navigate(['/schedules', saved.id], { replaceUrl: true });
      else this.loaded.set(saved);
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.length) {
        this.fieldErrors.set(Object.fromEntries(error.fieldErrors.map((e) => [e.field.split('.')[0], e.message])));
      }
      this.error.set(`Not saved: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const id = this.scheduleId();
    if (!id) return;
    await this.deletion.run({ busy: this.busy, error: this.error }, {
      name: this.form().name,
      consequences: 'It stops firing. Runs it already started are kept.',
      confirmLabel: 'Delete schedule',
      remove: () => this.api.deleteSchedule(id),
      listUrl: '/schedules',
    });
  }
}
