import { Injectable, computed, inject, signal } from '@angular/core';
import type { NotificationView } from '@oz/workspace-contract';
import { errorMessage } from '../core/api/api-error';
import { OptimisticState } from '../core/state/optimistic';
import { InboxApi } from './inbox.api';

interface InboxState {
  items: readonly NotificationView[];
  unread: number;
}

/** Pages grow by this much; the API returns at most 200 (it has no cursor yet, see BFF.md). */
export const INBOX_PAGE = 50;
export const INBOX_MAX = 200;

/**
 * The inbox and its unread badge. Notifications arrive live on the open room's stream (`receive`);
 * those of other rooms are picked up when the window regains focus and every minute while it is
 * visible, until phase 2's user channel (`/api/events/me`) carries them all.
 */
@Injectable({ providedIn: 'root' })
export class InboxStore {
  private readonly api = inject(InboxApi);
  private readonly state = new OptimisticState<InboxState>({ items: [], unread: 0 });
  private readonly limitSignal = signal(INBOX_PAGE);
  private readonly loadedSignal = signal(false);
  private readonly errorSignal = signal<string | null>(null);
  private inFlight: Promise<void> | null = null;

  readonly items = computed(() => this.state.value().items);
  readonly unreadCount = computed(() => this.state.value().unread);
  readonly loaded = this.loadedSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  /** More may exist beyond what is shown. */
  readonly canShowMore = computed(() => this.items().length >= this.limitSignal() && this.limitSignal() < INBOX_MAX);

  refresh(): Promise<void> {
    this.inFlight ??= this.api
      .list(this.limitSignal())
      .then((page) => {
        this.state.set({ items: page.items, unread: page.unread_count });
        this.loadedSignal.set(true);
        this.errorSignal.set(null);
      })
      .catch((error: unknown) => this.errorSignal.set(`Could not load the inbox: ${errorMessage(error)}`))
      .finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  showMore(): Promise<void> {
    this.limitSignal.update((limit) => Math.min(limit + INBOX_PAGE, INBOX_MAX));
    return this.refresh();
  }

  /** A notification from a live stream: new ones count as unread at once. */
  receive(notification: NotificationView): void {
    this.state.update((state) => {
      const existing = state.items.find((n) => n.id === notification.id);
      if (existing) {
        const delta = existing.read === notification.read ? 0 : notification.read ? -1 : 1;
        return { items: state.items.map((n) => (n.id === notification.id ? notification : n)), unread: Math.max(0, state.unread + delta) };
      }
      return { items: [notification, ...state.items], unread: state.unread + (notification.read ? 0 : 1) };
    });
  }

  setRead(id: string, read: boolean): Promise<NotificationView> {
    const mark = (state: InboxState): InboxState => {
      const target = state.items.find((n) => n.id === id);
      if (!target || target.read === read) return state;
      return { items: state.items.map((n) => (n.id === id ? { ...n, read } : n)), unread: Math.max(0, state.unread + (read ? -1 : 1)) };
    };
    return this.state.apply(mark, () => this.api.setRead(id, read), (state, saved) => {
      const marked = mark(state);
      return { ...marked, items: marked.items.map((n) => (n.id === id ? saved : n)) };
    });
  }

  readAll(): Promise<unknown> {
    const all = (state: InboxState): InboxState => ({ items: state.items.map((n) => ({ ...n, read: true })), unread: 0 });
    return this.state.apply(all, () => this.api.readAll(), all);
  }

  delete(id: string): Promise<void> {
    const drop = (state: InboxState): InboxState => {
      const target = state.items.find((n) => n.id === id);
      if (!target) return state;
      return { items: state.items.filter((n) => n.id !== id), unread: Math.max(0, state.unread - (target.read ? 0 : 1)) };
    };
    return this.state.apply(drop, () => this.api.delete(id), drop);
  }

  clear(): void {
    this.state.set({ items: [], unread: 0 });
    this.loadedSignal.set(false);
  }
}
