import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { ApiError, errorMessage } from '../core/api/api-error';
import { Notices } from '../core/feedback/notices';
import { ConfirmedDelete } from '../core/feedback/confirmed-delete';
import { emptyEnvironmentForm, environmentFormOf, environmentParamsOf, type EnvironmentForm, type SecretRow } from './environment-form';

/** `/environments/new` and `/environments/:environmentId`: every field; secrets write-only. */
@Component({
  selector: 'oz-environment-editor-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent],
  templateUrl: './environment-editor.page.html',
  styles: `
    .secrets {
      display: flex;
      flex-direction: column;
      gap: 0.4rem;
    }
    .secret {
      display: grid;
      grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr) auto;
      gap: 0.4rem;
    }
  `,
})
export class EnvironmentEditorPage {
  readonly environmentId = input<string | undefined>();
  private readonly api = inject(ControlPlaneApi);
  private readonly status = inject(ControlPlaneStatusStore);
  private readonly router = inject(Router);
  private readonly deletion = inject(ConfirmedDelete);
  private readonly notices = inject(Notices);
  protected readonly form = signal<EnvironmentForm>(emptyEnvironmentForm());
  protected readonly loadState = signal<'loading' | 'ready' | 'not-found' | 'error'>('loading');
  protected readonly problems = signal<string[]>([]);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly isNew = computed(() => !this.environmentId());

  constructor() {
    effect(() => {
      const id = this.environmentId();
      untracked(() => this.status.whenAvailable(() => this.load(id)));
    });
  }

  protected async load(id: string | undefined): Promise<void> {
    this.problems.set([]);
    this.error.set(null);
    if (!id) {
      this.form.set(emptyEnvironmentForm());
      this.loadState.set('ready');
      return;
    }
    this.loadState.set('loading');
    try {
      this.form.set(environmentFormOf(await this.api.environment(id)));
      this.loadState.set('ready');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.loadState.set('not-found');
      else {
        this.error.set(`Could not load this environment: ${errorMessage(error)}`);
        this.loadState.set('error');
      }
    }
  }

  protected set(key: Exclude<keyof EnvironmentForm, 'secrets'>, event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    this.form.update((form) => ({ ...form, [key]: value }));
  }

  protected setSecret(index: number, field: 'key' | 'value', event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    this.form.update((form) => ({ ...form, secrets: form.secrets.map((row, i) => (i === index ? { ...row, [field]: value } : row)) }));
  }

  protected addSecret(): void {
    this.form.update((form) => ({ ...form, secrets: [...form.secrets, { key: '', value: '', existing: false } satisfies SecretRow] }));
  }

  protected removeSecret(index: number): void {
    this.form.update((form) => ({ ...form, secrets: form.secrets.filter((_, i) => i !== index) }));
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const { params, problems } = environmentParamsOf(this.form());
    this.problems.set(problems);
    this.error.set(null);
    if (problems.length) return;
    this.busy.set(true);
    try {
      const id = this.environmentId();
      const saved = id ? await this.api.updateEnvironment(id, params) : await this.api.createEnvironment(params);
      this.notices.success(`${saved.name} was saved.`);
      if (!id) await this.router.navigate(['/environments', saved.id], { replaceUrl: true });
      else this.form.set(environmentFormOf(saved));
    } catch (error) {
      this.error.set(`Not saved: ${errorMessage(error)}`);
      if (error instanceof ApiError && error.fieldErrors.length) this.problems.set(error.fieldErrors.map((e) => `${e.field}: ${e.message}`));
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const id = this.environmentId();
    if (!id) return;
    await this.deletion.run({ busy: this.busy, error: this.error }, {
      name: this.form().name,
      consequences: 'Agents and schedules that name it will fail to start runs. Its secrets are deleted with it. An environment that unfinished runs use cannot be deleted.',
      confirmLabel: 'Delete environment',
      remove: () => this.api.deleteEnvironment(id),
      listUrl: '/environments',
    });
  }
}
