import { Injectable, inject } from '@angular/core';
import type { NotificationPage, NotificationView } from '@oz/workspace-contract';
import { ApiClient } from '../core/api/api-client';
import { API } from '../core/api/endpoints';

@Injectable({ providedIn: 'root' })
export class InboxApi {
  private readonly api = inject(ApiClient);

  list(limit: number, unread = false): Promise<NotificationPage> {
    return this.api.call(API.listNotifications, { query: { limit, unread: unread || undefined } });
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
