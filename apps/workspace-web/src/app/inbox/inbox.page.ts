import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { NotificationView } from '@oz/workspace-contract';
import { Notices } from '../core/feedback/notices';
import { AgentAvatarComponent } from '../ui/agent-avatar.component';
import { TimeComponent } from '../ui/time.component';
import { InboxStore } from './inbox.store';

/** `/inbox`: what agents asked you to look at, newest first, with the unread ones marked. */
@Component({
  selector: 'oz-inbox-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, AgentAvatarComponent, TimeComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Inbox</h1>
        <div class="toolbar" role="group" aria-label="Show">
          <button type="button" class="btn small" [attr.aria-pressed]="!unreadOnly()" (click)="unreadOnly.set(false)">All</button>
          <button type="button" class="btn small" [attr.aria-pressed]="unreadOnly()" (click)="unreadOnly.set(true)">Unread ({{ inbox.unreadCount() }})</button>
        </div>
        <button type="button" class="btn" (click)="readAll()" [disabled]="inbox.unreadCount() === 0">Mark all read</button>
        <p class="subtitle">Agents notify you here when they need you; the badge counts what you have not read.</p>
      </header>
      @if (inbox.error(); as problem) {
        <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="inbox.refresh()">Try again</button></div>
      }
      @if (!inbox.loaded() && !inbox.error()) {
        <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading the inbox…</p>
      } @else if (shown().length === 0) {
        <div class="empty-state">
          <h2>{{ unreadOnly() ? 'Nothing unread' : 'Your inbox is empty' }}</h2>
          <p>When an agent in one of your rooms sends a notification (for example when it finishes a task it was given), it lands here.</p>
        </div>
      } @else {
        <ul class="list">
          @for (n of shown(); track n.id) {
            <li class="item" [class.unread]="!n.read">
              <oz-agent-avatar [agent]="n.agent" [size]="30" />
              <div class="body">
                <a [routerLink]="['/rooms', n.room_id]" (click)="open(n)" class="message">{{ n.message }}</a>
                <span class="muted meta">{{ n.agent?.name ?? 'A deleted agent' }} in #{{ n.room_name }} · <oz-time [at]="n.created_at" /></span>
              </div>
              @if (!n.read) {
                <span class="chip info">unread</span>
              }
              <button type="button" class="btn ghost small" (click)="toggleRead(n)">{{ n.read ? 'Mark unread' : 'Mark read' }}</button>
              <button type="button" class="btn ghost small" (click)="remove(n)" [attr.aria-label]="'Delete notification: ' + n.message">Delete</button>
            </li>
          }
        </ul>
        @if (inbox.canShowMore()) {
          <p class="more"><button type="button" class="btn" (click)="inbox.showMore()">Show older notifications</button></p>
        }
      }
    </div>
  `,
  styles: `
    .item {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      padding: 0.65rem 0.9rem;
      flex-wrap: wrap;
    }
    .item.unread {
      background: var(--info-soft);
    }
    .body {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 12rem;
    }
    .message {
      color: var(--text);
      text-decoration: none;
    }
    .unread .message {
      font-weight: 600;
    }
    .message:hover {
      text-decoration: underline;
    }
    .meta {
      font-size: 0.82rem;
    }
    .more {
      text-align: center;
    }
  `,
})
export class InboxPage {
  protected readonly inbox = inject(InboxStore);
  private readonly notices = inject(Notices);
  protected readonly unreadOnly = signal(false);
  protected readonly shown = computed(() => (this.unreadOnly() ? this.inbox.items().filter((n) => !n.read) : this.inbox.items()));

  constructor() {
    void this.inbox.refresh();
  }

  protected open(notification: NotificationView): void {
    if (!notification.read) this.inbox.setRead(notification.id, true).catch((error: unknown) => this.notices.error('It is still marked unread', error));
  }

  protected toggleRead(notification: NotificationView): void {
    this.inbox.setRead(notification.id, !notification.read).catch((error: unknown) => this.notices.error('The notification was not changed', error));
  }

  protected readAll(): void {
    this.inbox.readAll().catch((error: unknown) => this.notices.error('Notifications are still unread', error));
  }

  protected remove(notification: NotificationView): void {
    this.inbox.delete(notification.id).catch((error: unknown) => this.notices.error('The notification was not deleted', error));
  }
}
