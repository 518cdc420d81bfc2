import { Injectable, computed, inject, signal } from '@angular/core';
import type { NotificationView } from '@oz/workspace-contract';
import { errorMessage } from '../core/api/api-error';
import { OptimisticState } from '../core/state/optimistic';
import { InboxApi } from './inbox.api';

interface InboxState {
  items: readonly NotificationView[];
  unread: number;
}

/** Notifications read per page. */
export const INBOX_PAGE = 50;

/**
 * The inbox and its unread badge. Notifications of every room arrive live on the user's channel
 * (`receive`, wired by the shell); older ones are read a page at a time (`showMore`, by cursor).
 */
@Injectable({ providedIn: 'root' })
export class InboxStore {
  private readonly api = inject(InboxApi);
  private readonly state = new OptimisticState<InboxState>({ items: [], unread: 0 });
  /** Where the next (older) page starts; null when the oldest is shown. */
  private readonly nextCursor = signal<string | null>(null);
  private readonly loadedSignal = signal(false);
  private readonly errorSignal = signal<string | null>(null);
  private inFlight: Promise<void> | null = null;

  readonly items = computed(() => this.state.value().items);
  readonly unreadCount = computed(() => this.state.value().unread);
  readonly loaded = this.loadedSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  /** Older notifications exist beyond what is shown. */
  readonly canShowMore = computed(() => this.nextCursor() !== null);

  /** The newest page again (and the unread count). */
  refresh(): Promise<void> {
    this.inFlight ??= this.api
      .list(INBOX_PAGE)
      .then((page) => {
        this.state.set({ items: page.items, unread: page.unread_count });
        this.nextCursor.set(page.next_cursor);
        this.loadedSignal.set(true);
        this.errorSignal.set(null);
      })
      .catch((error: unknown) => this.errorSignal.set(`Could not load the inbox: ${errorMessage(error)}`))
      .finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** The next older page, added below what is shown. */
  async showMore(): Promise<void> {
    const cursor = this.nextCursor();
    if (cursor === null) return;
    try {
      const page = await this.api.list(INBOX_PAGE, cursor);
      this.state.update((state) => ({
        items: [...state.items, ...page.items.filter((n) => !state.items.some((shown) => shown.id === n.id))],
        unread: page.unread_count,
      }));
      this.nextCursor.set(page.next_cursor);
      this.errorSignal.set(null);
    } catch (error) {
      this.errorSignal.set(`Could not load older notifications: ${errorMessage(error)}`);
    }
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
    this.nextCursor.set(null);
    this.loadedSignal.set(false);
  }
}
