import { BreakpointObserver } from '@angular/cdk/layout';
import { NgTemplateOutlet } from '@angular/common';
import { Dialog } from '@angular/cdk/dialog';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { mentionedNames, type MessageView } from '@oz/workspace-contract';
import { firstValueFrom, map } from 'rxjs';
import { AgentsStore } from '../../agents/agents.store';
import { errorMessage } from '../../core/api/api-error';
import { SessionStore } from '../../core/auth/session.store';
import { Notices } from '../../core/feedback/notices';
import { Confirm } from '../../ui/confirm';
import { ArtifactsPanelComponent } from './artifacts/artifacts-panel.component';
import { BoardComponent } from './board/board.component';
import { ComposerComponent } from './chat/composer.component';
import { MessageListComponent } from './chat/message-list.component';
import { MembersPanelComponent } from './members/members-panel.component';
import { RoomSettingsDialogComponent, type RoomSettingsResult } from './room-settings.dialog';
import { RoomStore } from './room.store';
import { ROOM_HOOKS, ROOM_SOURCE, ownedRoomHooks, ownedRoomSource } from './room-source';
import { ShareDialogComponent } from './share.dialog';

export type RoomPanel = 'chat' | 'board' | 'artifacts' | 'agents';
const SIDE_PANELS: RoomPanel[] = ['board', 'artifacts', 'agents'];

/** "Rex", "Rex and Ada", "Rex, Ada and Bo", "Rex, Ada and 3 others". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} others`;
}

/** `/rooms/:roomId`: the chat and, beside it (or in tabs on small screens), the board, artifacts and agents. */
@Component({
  selector: 'oz-room-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, NgTemplateOutlet, MessageListComponent, ComposerComponent, BoardComponent, ArtifactsPanelComponent, MembersPanelComponent],
  providers: [RoomStore, { provide: ROOM_SOURCE, useFactory: ownedRoomSource }, { provide: ROOM_HOOKS, useFactory: ownedRoomHooks }],
  templateUrl: './room.page.html',
  styleUrl: './room.page.css',
  host: { '(window:online)': 'store.reconnect()' },
})
export class RoomPage {
  /** Route parameter and query parameter (router input binding). */
  readonly roomId = input.required<string>();
  readonly panel = input<string | undefined>();

  protected readonly store = inject(RoomStore);
  private readonly agents = inject(AgentsStore);
  private readonly session = inject(SessionStore);
  private readonly dialog = inject(Dialog);
  private readonly confirm = inject(Confirm);
  private readonly notices = inject(Notices);
  private readonly router = inject(Router);
  private readonly composer = viewChild(ComposerComponent);

  /** Wide screens show the chat and a side panel together; narrow ones one at a time. */
  protected readonly wide = toSignal(inject(BreakpointObserver).observe('(min-width: 1180px)').pipe(map((state) => state.matches)), {
    initialValue: false,
  });
  protected readonly active = computed<RoomPanel>(() => {
    const asked = this.panel() as RoomPanel | undefined;
    if (this.wide()) return asked && SIDE_PANELS.includes(asked) ? asked : 'board';
    return asked && (asked === 'chat' || SIDE_PANELS.includes(asked)) ? asked : 'chat';
  });
  protected readonly tabs = computed<RoomPanel[]>(() => (this.wide() ? SIDE_PANELS : ['chat', ...SIDE_PANELS]));
  protected readonly personName = computed(() => this.session.user()?.name ?? 'You');
  protected readonly replying = computed(() => listNames(this.store.replyingAgents().map((a) => a.name)));
  protected readonly sendError = signal<string | null>(null);
  protected readonly sendNote = signal<string | null>(null);
  protected readonly isLocal = (message: MessageView) => this.store.isLocal(message);
  protected readonly deleteArtifact = (artifact: Parameters<RoomStore['deleteArtifact']>[0]) => this.store.deleteArtifact(artifact);

  constructor() {
    effect(() => {
      const id = this.roomId();
      untracked(() => {
        this.sendError.set(null);
        this.sendNote.set(null);
        this.store.open(id);
      });
    });
    void this.agents.load();
  }

  protected tabLabel(panel: RoomPanel): string {
    switch (panel) {
      case 'chat':
        return 'Chat';
      case 'board':
        return `Board (${this.store.tasks().length})`;
      case 'artifacts':
        return `Artifacts (${this.store.artifacts().length})`;
      case 'agents':
        return `Agents (${this.store.room()?.agents.length ?? 0})`;
    }
  }

  protected select(panel: RoomPanel): void {
    void this.router.navigate([], { queryParams: { panel }, queryParamsHandling: 'merge', replaceUrl: true });
  }

  /** Arrow keys move between tabs (the ARIA tabs pattern). */
  protected onTabKey(event: KeyboardEvent, index: number): void {
    const tabs = this.tabs();
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    this.select(next);
    (event.currentTarget as HTMLElement).parentElement?.querySelector<HTMLElement>(`#room-tab-${next}`)?.focus();
  }

  protected async send(text: string): Promise<void> {
    this.sendError.set(null);
    this.sendNote.set(null);
    const room = this.store.room();
    try {
      const { paused } = await this.store.send(text);
      const inRoom = room?.agents.map((a) => a.name) ?? [];
      const mentioned = mentionedNames(text, inRoom);
      const outside = mentionedNames(
        text,
        this.agents.agents().map((a) => a.name).filter((name) => !inRoom.some((n) => n.toLowerCase() === name.toLowerCase())),
      );
      if (paused && mentioned.length) this.sendNote.set(`The room is paused, so ${listNames(mentioned)} will not reply until you resume it.`);
      else if (outside.length) this.sendNote.set(`${listNames(outside)} ${outside.length === 1 ? 'is' : 'are'} not in this room, so not asked. Add agents in the Agents panel.`);
    } catch (error) {
      this.sendError.set(`Not sent: ${errorMessage(error)}`);
      this.composer()?.restore(text);
    }
  }

  protected async cancel(message: MessageView): Promise<void> {
    try {
      await this.store.cancelReply(message);
    } catch (error) {
      this.notices.error(`Could not stop ${message.agent?.name ?? 'the agent'}`, error);
    }
  }

  protected async togglePaused(): Promise<void> {
    const room = this.store.room();
    if (!room) return;
    try {
      await this.store.setPaused(!room.paused);
    } catch (error) {
      this.notices.error(room.paused ? 'The room is still paused' : 'The room was not paused', error);
    }
  }

  protected openShare(): void {
    this.dialog.open(ShareDialogComponent, { data: this.store, backdropClass: 'cdk-overlay-dark-backdrop' });
  }

  protected async openSettings(): Promise<void> {
    const ref = this.dialog.open<RoomSettingsResult>(RoomSettingsDialogComponent, { data: this.store, backdropClass: 'cdk-overlay-dark-backdrop' });
    if ((await firstValueFrom(ref.closed)) === 'delete') await this.deleteRoom();
  }

  private async deleteRoom(): Promise<void> {
    const room = this.store.room();
    if (!room) return;
    const ok = await this.confirm.ask({
      title: `Delete #${room.name}?`,
      message: 'Its messages, board and artifacts are deleted for good, replies in progress stop, and any share link ends. This cannot be undone.',
      confirmLabel: 'Delete room',
      danger: true,
    });
    if (!ok) return;
    try {
      await this.store.deleteRoom();
      this.notices.success(`#${room.name} was deleted.`);
      await this.router.navigate(['/rooms']);
    } catch (error) {
      this.notices.error(`#${room.name} was not deleted`, error);
    }
  }
}
