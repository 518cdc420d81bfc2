import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AgentView } from '@oz/workspace-contract';
import { RoomsStore } from '../rooms/rooms.store';
import { AgentAvatarComponent } from '../ui/agent-avatar.component';
import { AgentsStore } from './agents.store';

/** While this page is open its statuses refresh this often (phase 2's user channel makes it push). */
const STATUS_REFRESH_MS = 5_000;

/** `/agents`: every agent with its harness, model and what it is doing right now. */
@Component({
  selector: 'oz-agents-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, AgentAvatarComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Agents</h1>
        <a class="btn primary" routerLink="/agents/new">New agent</a>
        <p class="subtitle">Each agent is a name you can &#64;mention, a harness and model that answer, and the instructions it follows.</p>
      </header>
      @if (store.error(); as problem) {
        <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="store.load()">Try again</button></div>
      }
      @if (!store.loaded() && !store.error()) {
        <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading your agents…</p>
      } @else if (store.loaded() && store.agents().length === 0) {
        <div class="empty-state">
          <h2>No agents yet</h2>
          <p>Create an agent, add it to a room, and &#64;mention it there. It answers through the harness you pick (Claude Code, Codex, Gemini CLI, or any OpenAI-compatible model).</p>
          <a class="btn primary" routerLink="/agents/new">Create your first agent</a>
        </div>
      } @else {
        <ul class="list">
          @for (agent of store.agents(); track agent.id) {
            <li>
              <a class="row-link" [routerLink]="['/agents', agent.id]">
                <oz-agent-avatar [agent]="agent" [size]="34" />
                <span class="main">
                  <span class="name">{{ agent.name }}</span>
                  <span class="muted details">{{ agent.harness }}{{ agent.model ? ' · ' + agent.model : '' }}{{ agent.environment_id ? ' · environment ' + agent.environment_id : '' }}</span>
                </span>
                @if (agent.running_in_room_ids.length) {
                  <span class="chip running"><span class="dot pulse" aria-hidden="true"></span>replying in {{ roomNames(agent) }}</span>
                } @else {
                  <span class="chip">idle</span>
                }
              </a>
            </li>
          }
        </ul>
      }
    </div>
  `,
  styles: `
    .main {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 0;
    }
    .name {
      font-weight: 600;
    }
    .details {
      font-size: 0.85rem;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
  `,
})
export class AgentsPage {
  protected readonly store = inject(AgentsStore);
  private readonly rooms = inject(RoomsStore);
  private readonly roomNamesById = computed(() => new Map(this.rooms.rooms().map((r) => [r.id, `#${r.name}`])));

  constructor() {
    void this.store.load();
    void this.rooms.load();
    const document = inject(DOCUMENT);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.store.load();
    }, STATUS_REFRESH_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  protected roomNames(agent: AgentView): string {
    const names = agent.running_in_room_ids.map((id) => this.roomNamesById().get(id) ?? 'a room');
    return names.join(', ');
  }
}
