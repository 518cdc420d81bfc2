import { Injectable, inject } from '@angular/core';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { ApiClient } from '../core/api/api-client';
import { API } from '../core/api/endpoints';

@Injectable({ providedIn: 'root' })
export class InboxApi {
  private readonly api = inject(ApiClient);

  /** A page, newest first; `before` is the previous page's `next_cursor`. */
  list(limit: number, before?: string): Promise<NotificationPage> {
    return this.api.call(API.listNotifications, { query: { limit, before } });
  }

  setRead(id: string, read: boolean): Promise<NotificationView> {
    return this.api.call(API.markNotification, { params: { id }, body: { read } });
  }

  readAll(): Promise<{ updated: number }> {
    return this.api.call(API.readAllNotifications);
  }

  delete(id: string): Promise<void> {
    return this.api.call(API.deleteNotification, { params: { id } });
  }
}
