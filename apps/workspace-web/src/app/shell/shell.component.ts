import { CdkTrapFocus } from '@angular/cdk/a11y';
import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, Injector, afterNextRender, computed, inject, signal, viewChild } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { filter } from 'rxjs';
import { AgentsStore } from '../agents/agents.store';
import { errorMessage } from '../core/api/api-error';
import { SessionStore } from '../core/auth/session.store';
import { Notices } from '../core/feedback/notices';
import { InboxStore } from '../inbox/inbox.store';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { UserEvents } from '../control-plane/user-events';
import { CreateRoom } from '../rooms/create-room.dialog';
import { RoomsStore } from '../rooms/rooms.store';
import { ReplyingPipe } from '../ui/replying.pipe';

/**
 * The frame of every signed-in page: navigation with the rooms, the inbox badge, the user. It keeps
 * the user's own channel open for the session: new notifications from any room, rooms created or
 * changed in another tab or device, and their agents' statuses arrive there.
 */
@Component({
  selector: 'oz-shell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive, ReplyingPipe, CdkTrapFocus],
  templateUrl: './shell.component.html',
  styleUrl: './shell.component.css',
  host: { '(document:keydown.escape)': 'navOpen.set(false)' },
})
export class ShellComponent {
  protected readonly session = inject(SessionStore);
  protected readonly rooms = inject(RoomsStore);
  protected readonly inbox = inject(InboxStore);
  private readonly agents = inject(AgentsStore);
  private readonly createRoom = inject(CreateRoom);
  private readonly notices = inject(Notices);
  private readonly router = inject(Router);
  private readonly document = inject(DOCUMENT);
  private readonly injector = inject(Injector);
  private readonly events = inject(UserEvents);
  private readonly controlPlane = inject(ControlPlaneStatusStore);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');
  private readonly sidebar = viewChild.required<ElementRef<HTMLElement>>('sidebar');

  protected readonly navOpen = signal(false);
  protected readonly unreadLabel = computed(() => {
    const n = this.inbox.unreadCount();
    return n === 0 ? 'Inbox' : `Inbox, ${n} unread`;
  });

  constructor() {
    void this.rooms.load();
    void this.inbox.refresh();
    const destroyRef = inject(DestroyRef);
    this.events.on('notification', (notification) => this.inbox.receive(notification), destroyRef);
    this.events.on(
      'rooms',
      (room) => {
        if ('deleted' in room) return this.rooms.remove(room.id);
        this.rooms.upsert(room);
        this.agents.applyRoom(room);
      },
      destroyRef,
    );
    // Events were missed for good (a long time offline): read the lists again.
    this.events.onResync(() => {
      void this.inbox.refresh();
      void this.rooms.load();
    }, destroyRef);
    this.events.start();
    destroyRef.onDestroy(() => this.events.stop());
    this.router.events
      .pipe(
        filter((e) => e instanceof NavigationEnd),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        // A link followed from the navigation moves focus to the page, as a full page load would.
        const fromNav = this.sidebar().nativeElement.contains(this.document.activeElement);
        this.navOpen.set(false);
        if (fromNav) this.main().nativeElement.focus({ preventScroll: true });
      });
  }

  /** The drawer (small screens): opening it moves focus into it; Esc or following a link closes it. */
  protected toggleNav(): void {
    this.navOpen.update((open) => !open);
    if (this.navOpen()) {
      afterNextRender(() => this.sidebar().nativeElement.querySelector<HTMLElement>('.section a[href], .section button')?.focus(), { injector: this.injector });
    }
  }

  protected newRoom(): void {
    void this.createRoom.open();
  }

  protected async logout(): Promise<void> {
    this.events.stop();
    try {
      await this.session.logout();
    } catch (error) {
      this.notices.error('The server did not confirm the logout', errorMessage(error));
    }
    this.rooms.clear();
    this.inbox.clear();
    this.agents.clear();
    this.controlPlane.clear();
    await this.router.navigate(['/login']);
  }
}
