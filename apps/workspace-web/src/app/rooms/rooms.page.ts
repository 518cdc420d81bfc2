import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AgentsStore } from '../agents/agents.store';
import { AgentAvatarComponent } from '../ui/agent-avatar.component';
import { ReplyingPipe } from '../ui/replying.pipe';
import { TimeComponent } from '../ui/time.component';
import { CreateRoom } from './create-room.dialog';
import { RoomsStore } from './rooms.store';

/** `/rooms`: every room, what is happening in each, and the first steps for a new account. */
@Component({
  selector: 'oz-rooms-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, AgentAvatarComponent, ReplyingPipe, TimeComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Rooms</h1>
        <button type="button" class="btn primary" (click)="create.open()">New room</button>
        <p class="subtitle">Where you and your agents talk, plan on a board and collect what they produce.</p>
      </header>
      @if (rooms.error(); as problem) {
        <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="rooms.load()">Try again</button></div>
      }
      @if (!rooms.loaded() && !rooms.error()) {
        <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading your rooms…</p>
      } @else if (rooms.loaded() && rooms.sorted().length === 0) {
        <section class="empty-state first-run" aria-labelledby="first-run-title">
          <h2 id="first-run-title">Welcome! Three steps to your first agent reply</h2>
          <ol class="steps">
            <li [class.done]="hasAgents()">
              <strong>Create an agent.</strong> Give it a name, a harness (the model family) and a system prompt.
              @if (!hasAgents()) {
                <a routerLink="/agents/new" class="btn small">Create an agent</a>
              } @else {
                <span class="chip ok">done</span>
              }
            </li>
            <li><strong>Create a room</strong> and add the agent to it. <button type="button" class="btn small primary" (click)="create.open()">Create a room</button></li>
            <li><strong>&#64;mention the agent</strong> in the room's chat; its reply streams in as it is written.</li>
          </ol>
        </section>
      } @else {
        <ul class="list">
          @for (room of rooms.sorted(); track room.id) {
            <li>
              <a class="row-link" [routerLink]="['/rooms', room.id]">
                <span class="main">
                  <span class="name">#{{ room.name }}</span>
                  <span class="muted description">{{ room.description || 'No description' }}</span>
                </span>
                <span class="agents" [attr.aria-label]="room.agents.length + ' agents'">
                  @for (agent of room.agents.slice(0, 4); track agent.id) {
                    <oz-agent-avatar [agent]="agent" [size]="24" />
                  }
                  @if (room.agents.length > 4) {
                    <span class="muted">+{{ room.agents.length - 4 }}</span>
                  }
                </span>
                @if (room.paused) {
                  <span class="chip paused">paused</span>
                } @else if (room.agents | replying; as n) {
                  <span class="chip running"><span class="dot pulse" aria-hidden="true"></span>{{ n }} replying</span>
                }
                @if (room.share_id) {
                  <span class="chip info">shared</span>
                }
                <span class="muted updated">updated <oz-time [at]="room.updated_at" /></span>
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
    .description {
      font-size: 0.88rem;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .agents {
      display: flex;
      align-items: center;
      gap: 0.15rem;
    }
    .updated {
      font-size: 0.8rem;
      white-space: nowrap;
    }
    .first-run {
      text-align: left;
    }
    .first-run h2 {
      text-align: center;
    }
    .steps {
      max-width: 36rem;
      margin: 1rem auto 0;
      display: flex;
      flex-direction: column;
      gap: 0.75rem;
    }
    .steps li .btn,
    .steps li .chip {
      margin-left: 0.5rem;
    }
    @media (max-width: 640px) {
      .updated,
      .agents {
        display: none;
      }
    }
  `,
})
export class RoomsPage {
  protected readonly rooms = inject(RoomsStore);
  protected readonly create = inject(CreateRoom);
  private readonly agents = inject(AgentsStore);
  protected readonly hasAgents = computed(() => this.agents.agents().length > 0);

  constructor() {
    void this.rooms.load();
    void this.agents.load();
  }
}
