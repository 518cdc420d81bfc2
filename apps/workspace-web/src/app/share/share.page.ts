import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { map } from 'rxjs';
import { ArtifactsPanelComponent } from '../rooms/room/artifacts/artifacts-panel.component';
import { BoardComponent } from '../rooms/room/board/board.component';
import { MessageListComponent } from '../rooms/room/chat/message-list.component';
import { ROOM_SOURCE, sharedRoomSource } from '../rooms/room/room-source';
import { RoomStore } from '../rooms/room/room.store';
import { AgentAvatarComponent } from '../ui/agent-avatar.component';

type SharedPanel = 'chat' | 'board' | 'artifacts';

/** `/share/:shareId`: a room anyone with the link can read, live, without logging in. */
@Component({
  selector: 'oz-share-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MessageListComponent, BoardComponent, ArtifactsPanelComponent, AgentAvatarComponent],
  providers: [RoomStore, { provide: ROOM_SOURCE, useFactory: sharedRoomSource }],
  template: `
    @switch (store.status()) {
      @case ('loading') {
        <div class="page"><p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Opening the shared room…</p></div>
      }
      @case ('error') {
        <div class="page"><div class="banner error" role="alert"><span class="grow">{{ store.error() }}</span><button type="button" class="btn small" (click)="store.load()">Try again</button></div></div>
      }
      @case ('ready') {
        @if (store.room(); as room) {
          <div class="shared">
            <header class="head">
              <div class="heading">
                <p class="muted kicker">Shared room · read-only</p>
                <h1>#{{ room.name }}</h1>
                @if (room.description) {
                  <p class="description">{{ room.description }}</p>
                }
              </div>
              <div class="toolbar">
                @for (agent of room.agents; track agent.id) {
                  <span class="agent" [title]="agent.name + ': ' + agent.status"><oz-agent-avatar [agent]="agent" [size]="24" /> {{ agent.name }}
                    @if (agent.status === 'running') {
                      <span class="chip running"><span class="dot pulse" aria-hidden="true"></span>replying</span>
                    }
                  </span>
                }
                @if (store.connection() === 'live') {
                  <span class="chip ok"><span class="dot" aria-hidden="true"></span>Live</span>
                } @else {
                  <span class="chip warning" role="status">Reconnecting…</span>
                }
              </div>
            </header>
            <div class="tabs" role="tablist" aria-label="Room views">
              @for (tab of tabs(); track tab) {
                <button type="button" role="tab" [attr.aria-selected]="active() === tab" (click)="panel.set(tab)">{{ labels[tab] }}</button>
              }
            </div>
            <div class="panes" [class.wide]="wide()">
              @if (wide() || active() === 'chat') {
                <section class="chat" aria-label="Chat">
                  <oz-message-list class="messages" [messages]="store.messages()" [mentionNames]="store.agentNames()" personName="Room owner"
                    [hasOlder]="store.hasOlder()" [loadingOlder]="store.loadingOlder()" [olderError]="store.olderError()" (loadOlder)="store.loadOlder()" />
                </section>
              }
              @if (active() !== 'chat') {
                <section class="side" role="tabpanel">
                  @if (active() === 'board') {
                    <oz-board [readOnly]="true" />
                  } @else {
                    <oz-artifacts-panel [artifacts]="store.artifacts()" [readOnly]="true" />
                  }
                </section>
              }
            </div>
          </div>
        }
      }
      @default {
        <div class="page">
          <div class="empty-state">
            <h1>{{ store.status() === 'deleted' ? 'This room was deleted' : 'This room is not shared' }}</h1>
            <p>The link may have been turned off or replaced by a new one, or it was mistyped. Ask whoever sent it for a fresh link.</p>
          </div>
        </div>
      }
    }
  `,
  styles: `
    :host {
      display: block;
      height: 100%;
    }
    .shared {
      display: flex;
      flex-direction: column;
      height: 100%;
      max-width: 1400px;
      margin: 0 auto;
      padding: 1rem clamp(0.75rem, 2vw, 1.5rem);
      gap: 0.6rem;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 1rem;
      align-items: flex-end;
    }
    .heading {
      flex: 1;
      min-width: 14rem;
    }
    .kicker {
      margin: 0;
      font-size: 0.8rem;
      text-transform: uppercase;
      letter-spacing: 0.05em;
    }
    .description {
      margin: 0.2rem 0 0;
      white-space: pre-line;
    }
    .agent {
      display: inline-flex;
      align-items: center;
      gap: 0.3rem;
    }
    .tabs {
      display: flex;
      gap: 0.25rem;
      border-bottom: 1px solid var(--border);
    }
    .tabs button {
      font: inherit;
      padding: 0.45rem 0.8rem;
      background: none;
      border: 0;
      border-bottom: 3px solid transparent;
      color: var(--text-muted);
      cursor: pointer;
    }
    .tabs button[aria-selected='true'] {
      color: var(--accent);
      border-bottom-color: var(--accent);
      font-weight: 600;
    }
    .panes {
      flex: 1;
      min-height: 0;
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      gap: 0.75rem;
    }
    .panes.wide {
      grid-template-columns: minmax(0, 55fr) minmax(0, 45fr);
    }
    .chat {
      display: flex;
      flex-direction: column;
      min-height: 0;
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: var(--radius);
    }
    .messages {
      flex: 1;
      min-height: 0;
    }
    .side {
      min-height: 0;
      overflow-y: auto;
    }
  `,
})
export class SharePage {
  readonly shareId = input.required<string>();
  protected readonly store = inject(RoomStore);
  protected readonly wide = toSignal(inject(BreakpointObserver).observe('(min-width: 1100px)').pipe(map((s) => s.matches)), { initialValue: false });
  protected readonly panel = signal<SharedPanel | null>(null);
  protected readonly labels: Record<SharedPanel, string> = { chat: 'Chat', board: 'Board', artifacts: 'Artifacts' };
  protected readonly tabs = computed<SharedPanel[]>(() => (this.wide() ? ['board', 'artifacts'] : ['chat', 'board', 'artifacts']));
  protected readonly active = computed<SharedPanel>(() => {
    const chosen = this.panel();
    if (this.wide()) return chosen && chosen !== 'chat' ? chosen : 'board';
    return chosen ?? 'chat';
  });

  constructor() {
    effect(() => {
      const id = this.shareId();
      untracked(() => this.store.open(id));
    });
  }
}
