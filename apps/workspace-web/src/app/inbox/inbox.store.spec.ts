import { TestBed } from '@angular/core/testing';
import type { NotificationView } from '@oz/workspace-contract';
import { deferred } from '../../testing/fixtures';
import { ApiError } from '../core/api/api-error';
import { InboxApi } from './inbox.api';
import { InboxStore } from './inbox.store';

const note = (id: string, read = false): NotificationView => ({
  id,
  room_id: 'r1',
  room_name: 'fraud',
  agent: null,
  message: `notice ${id}`,
  read,
  created_at: '2026-01-01T00:00:00.000Z',
});

describe('InboxStore', () => {
  let api: { list: jest.Mock; setRead: jest.Mock; readAll: jest.Mock; delete: jest.Mock };
  let store: InboxStore;

  beforeEach(async () => {
    api = { list: jest.fn().mockResolvedValue({ items: [note('n2'), note('n1', true)], unread_count: 1, next_cursor: null }), setRead: jest.fn(), readAll: jest.fn(), delete: jest.fn() };
    TestBed.configureTestingModule({ providers: [{ provide: InboxApi, useValue: api }] });
    store = TestBed.inject(InboxStore);
    await store.refresh();
  });

  afterEach(() => TestBed.resetTestingModule());

  it('counts a notification arriving live as unread at once, and only once', () => {
    store.receive(note('n3'));
    store.receive(note('n3'));
    expect(store.unreadCount()).toBe(2);
    expect(store.items().map((n) => n.id)).toEqual(['n3', 'n2', 'n1']);
  });

  it('marks read at once and rolls back the badge when the server refuses', async () => {
    const request = deferred<NotificationView>();
    api.setRead.mockReturnValue(request.promise);
    const marking = store.setRead('n2', true);
    expect(store.unreadCount()).toBe(0);
    request.reject(new ApiError(404, 'not_found', 'Notification n2 does not exist'));
    await expect(marking).rejects.toThrow('does not exist');
    expect(store.unreadCount()).toBe(1);
    expect(store.items().find((n) => n.id === 'n2')?.read).toBe(false);
  });

  it('reads all and deletes, keeping the count right', async () => {
    api.delete.mockResolvedValue(undefined);
    await store.delete('n2');
    expect(store.unreadCount()).toBe(0);
    store.receive(note('n4'));
    api.readAll.mockResolvedValue({ updated: 1 });
    await store.readAll();
    expect(store.unreadCount()).toBe(0);
    expect(store.items().every((n) => n.read)).toBe(true);
  });

  it('reads older pages by cursor, below what is shown, until there are none', async () => {
    api.list.mockResolvedValueOnce({ items: [note('n4'), note('n3')], unread_count: 3, next_cursor: 'c1' });
    await store.refresh();
    expect(store.canShowMore()).toBe(true);
    api.list.mockResolvedValueOnce({ items: [note('n2'), note('n1', true)], unread_count: 3, next_cursor: null });
    await store.showMore();
    expect(api.list).toHaveBeenLastCalledWith(50, 'c1');
    expect(store.items().map((n) => n.id)).toEqual(['n4', 'n3', 'n2', 'n1']);
    expect(store.canShowMore()).toBe(false);
  });

  it('says why the inbox could not load', async () => {
    api.list.mockRejectedValue(new ApiError(0, 'network_error', 'Could not reach the server.'));
    await store.refresh();
    expect(store.error()).toBe('Could not load the inbox: Could not reach the server.');
  });
});
