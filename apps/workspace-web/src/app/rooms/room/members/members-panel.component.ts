import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { RoomAgent } from '@oz/workspace-contract';
import { AgentsStore } from '../../../agents/agents.store';
import { errorMessage } from '../../../core/api/api-error';
import { AgentAvatarComponent } from '../../../ui/agent-avatar.component';
import { Confirm } from '../../../ui/confirm';
import { RoomStore } from '../room.store';

/** The room's agents: each with what it is doing here, added from your agents or removed. */
@Component({
  selector: 'oz-members-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AgentAvatarComponent, RouterLink],
  template: `
    @if (error(); as problem) {
      <div class="banner error" role="alert">{{ problem }}</div>
    }
    @if (members().length === 0) {
      <p class="muted">No agents in this room yet. Add one below, then &#64;mention it in the chat.</p>
    } @else {
      <ul class="list members">
        @for (agent of members(); track agent.id) {
          <li>
            <oz-agent-avatar [agent]="agent" [size]="30" />
            <span class="who">
              <a [routerLink]="['/agents', agent.id]">{{ agent.name }}</a>
              <span class="muted harness">{{ agent.harness }}</span>
            </span>
            @switch (agent.status) {
              @case ('running') {
                <span class="chip running"><span class="dot pulse" aria-hidden="true"></span>replying</span>
              }
              @case ('error') {
                <span class="chip error">last reply failed</span>
              }
              @default {
                <span class="chip">idle</span>
              }
            }
            <button type="button" class="btn ghost small" (click)="remove(agent)" [attr.aria-label]="'Remove ' + agent.name + ' from the room'">Remove</button>
          </li>
        }
      </ul>
    }
    <form class="add" (submit)="add($event)">
      <label for="add-member" class="visually-hidden">Agent to add</label>
      <select id="add-member" class="select" [value]="choice()" (change)="choice.set(value($event))" [disabled]="candidates().length === 0">
        @if (candidates().length === 0) {
          <option value="">{{ agents.loaded() ? 'All your agents are here' : 'Loading your agents…' }}</option>
        } @else {
          <option value="" [selected]="!choice()">Choose an agent…</option>
          @for (agent of candidates(); track agent.id) {
            <option [value]="agent.id" [selected]="agent.id === choice()">{{ agent.name }} ({{ agent.harness }})</option>
          }
        }
      </select>
      <button type="submit" class="btn" [disabled]="!choice()">Add to room</button>
    </form>
    <p class="muted small"><a routerLink="/agents/new">Create a new agent</a></p>
  `,
  styles: `
    .members li {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      padding: 0.55rem 0.75rem;
    }
    .who {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 0;
    }
    .harness {
      font-size: 0.8rem;
    }
    .add {
      display: flex;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    .small {
      font-size: 0.85rem;
    }
  `,
})
export class MembersPanelComponent {
  private readonly store = inject(RoomStore);
  protected readonly agents = inject(AgentsStore);
  private readonly confirm = inject(Confirm);
  protected readonly choice = signal('');
  protected readonly error = signal<string | null>(null);
  protected readonly members = computed(() => this.store.room()?.agents ?? []);
  protected readonly candidates = computed(() => {
    const inRoom = new Set(this.members().map((a) => a.id));
    return this.agents.agents().filter((a) => !inRoom.has(a.id));
  });

  constructor() {
    void this.agents.load();
  }

  protected value(event: Event): string {
    return (event.target as HTMLSelectElement).value;
  }

  protected async add(event: Event): Promise<void> {
    event.preventDefault();
    const agent = this.agents.byId(this.choice());
    if (!agent) return;
    this.choice.set('');
    this.error.set(null);
    try {
      await this.store.addAgent(agent);
    } catch (error) {
      this.error.set(`${agent.name} was not added: ${errorMessage(error)}`);
    }
  }

  protected async remove(agent: RoomAgent): Promise<void> {
    const ok = await this.confirm.ask({
      title: `Remove ${agent.name}?`,
      message: `${agent.name} stays among your agents but leaves this room. Mentions of it here will invoke nothing.`,
      confirmLabel: 'Remove from room',
      danger: true,
    });
    if (!ok) return;
    this.error.set(null);
    try {
      await this.store.removeAgent(agent.id);
    } catch (error) {
      this.error.set(`${agent.name} was not removed: ${errorMessage(error)}`);
    }
  }
}
