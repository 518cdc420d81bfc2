import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import type { EnvironmentItem } from '@oz/contract';
import { AGENT_HARNESSES, AGENT_ICONS, type AgentInput, type AgentView } from '@oz/workspace-contract';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ApiError, errorMessage } from '../core/api/api-error';
import { Notices } from '../core/feedback/notices';
import { RoomsStore } from '../rooms/rooms.store';
import { AgentAvatarComponent, agentIconGlyph } from '../ui/agent-avatar.component';
import { ConfirmedDelete } from '../core/feedback/confirmed-delete';
import { HasIdPipe } from '../ui/has-id.pipe';
import { AgentsApi } from './agents.api';
import { AgentsStore } from './agents.store';
import { changesOf, emptyForm, formOf, HARNESS_HINTS, inputOf, type AgentForm, type FormProblems } from './agent-form';

/** `/agents/new` and `/agents/:agentId`: every field of an agent, its live status, and deleting it. */
@Component({
  selector: 'oz-agent-editor-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, AgentAvatarComponent, HasIdPipe],
  templateUrl: './agent-editor.page.html',
  styles: `
    .looks {
      display: flex;
      gap: 0.75rem;
      align-items: flex-end;
    }
    .looks .field {
      flex: 1;
    }
    .color {
      display: flex;
      gap: 0.4rem;
    }
    .color input[type='color'] {
      width: 42px;
      min-height: 38px;
      padding: 2px;
      border: 1px solid var(--border-strong);
      border-radius: var(--radius-sm);
      background: var(--surface);
    }
    .status {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      margin-bottom: 1rem;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-top: 0.5rem;
    }
    .prompt {
      min-height: 160px;
    }
  `,
})
export class AgentEditorPage {
  /** Route parameter; absent on /agents/new. */
  readonly agentId = input<string | undefined>();

  private readonly api = inject(AgentsApi);
  private readonly store = inject(AgentsStore);
  private readonly rooms = inject(RoomsStore);
  private readonly router = inject(Router);
  private readonly deletion = inject(ConfirmedDelete);
  private readonly notices = inject(Notices);
  private readonly cp = inject(ControlPlaneApi);
  protected readonly cpStatus = inject(ControlPlaneStatusStore);

  protected readonly harnesses = AGENT_HARNESSES;
  protected readonly icons = AGENT_ICONS;
  protected readonly glyph = agentIconGlyph;
  protected readonly harnessHints = HARNESS_HINTS;
  protected readonly mcpExample = '{ "github": { "url": "https://…" } }';
  protected readonly form = signal<AgentForm>(emptyForm());
  protected readonly loaded = signal<AgentView | null>(null);
  protected readonly loadState = signal<'loading' | 'ready' | 'not-found' | 'error'>('ready');
  protected readonly loadError = signal<string | null>(null);
  protected readonly problems = signal<FormProblems>({});
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly saved = signal(false);
  protected readonly environments = signal<EnvironmentItem[] | null>(null);
  protected readonly isNew = computed(() => !this.agentId());
  /** The live version (statuses follow the room streams). */
  protected readonly live = computed(() => {
    const id = this.agentId();
    return id ? (this.store.agents().find((a) => a.id === id) ?? this.loaded()) : null;
  });
  protected readonly replyingIn = computed(() => {
    const agent = this.live();
    if (!agent) return [];
    return agent.running_in_room_ids.map((id) => ({ id, name: this.rooms.rooms().find((r) => r.id === id)?.name ?? 'a room' }));
  });
  protected readonly preview = computed(() => ({ color: this.form().color, icon: this.form().icon }));

  constructor() {
    effect(() => {
      const id = this.agentId();
      untracked(() => void this.load(id));
    });
    void this.rooms.load();
    void this.cpStatus.ensureLoaded().then((availability) => {
      if (availability === 'available') this.cp.environments().then((list) => this.environments.set(list), () => this.environments.set(null));
    });
  }

  protected set<K extends keyof AgentForm>(key: K, event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    this.form.update((form) => ({ ...form, [key]: value }));
    this.saved.set(false);
  }

  protected problem(field: keyof AgentInput): string | null {
    return this.problems()[field] ?? null;
  }

  protected async load(id: string | undefined): Promise<void> {
    this.problems.set({});
    this.error.set(null);
    this.saved.set(false);
    if (!id) {
      this.loaded.set(null);
      this.form.set(emptyForm());
      this.loadState.set('ready');
      return;
    }
    this.loadState.set('loading');
    try {
      const agent = await this.api.get(id);
      this.loaded.set(agent);
      this.form.set(formOf(agent));
      this.loadState.set('ready');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.loadState.set('not-found');
      else {
        this.loadError.set(`Could not load this agent: ${errorMessage(error)}`);
        this.loadState.set('error');
      }
    }
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const { input, problems } = inputOf(this.form());
    this.problems.set(problems);
    this.error.set(null);
    this.saved.set(false);
    if (Object.keys(problems).length) return;
    this.busy.set(true);
    try {
      const current = this.loaded();
      if (!current) {
        const agent = await this.store.create(input);
        this.notices.success(`${agent.name} is ready. Add it to a room and @mention it.`);
        await this.router.navigate(['/agents', agent.id], { replaceUrl: true });
        return;
      }
      const changes = changesOf(current, input);
      if (Object.keys(changes).length) {
        const saved = await this.store.update(current.id, changes);
        this.loaded.set(saved);
        this.form.set(formOf(saved));
      }
      this.saved.set(true);
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.length) {
        const byField: FormProblems = {};
        for (const e of error.fieldErrors) {
          const field = e.field.split('.')[0] as keyof AgentInput;
          byField[field] ??= e.message;
        }
        this.problems.set(byField);
        this.error.set('Some fields need another look.');
      } else {
        this.error.set(`Not saved: ${errorMessage(error)}`);
      }
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const agent = this.loaded();
    if (!agent) return;
    await this.deletion.run({ busy: this.busy, error: this.error }, {
      name: agent.name,
      consequences: `${agent.name} leaves every room it is in; its past messages stay, credited to a deleted agent. This cannot be undone.`,
      confirmLabel: 'Delete agent',
      remove: () => this.store.delete(agent.id),
      listUrl: '/agents',
    });
  }
}
