import { Injectable, computed, inject, signal } from '@angular/core';
import type { RoomInput, RoomView } from '@oz/workspace-contract';
import { errorMessage } from '../core/api/api-error';
import { OptimisticState } from '../core/state/optimistic';
import { RoomsApi } from './rooms.api';

/**
 * The signed-in user's rooms, for the sidebar and the rooms page. The open room's live stream keeps
 * its entry current (RoomStore calls `upsert`/`remove`); the list as a whole reloads when the window
 * regains focus (until phase 2's user channel announces new rooms).
 */
@Injectable({ providedIn: 'root' })
export class RoomsStore {
  private readonly api = inject(RoomsApi);
  private readonly state = new OptimisticState<readonly RoomView[]>([]);
  private readonly loadedSignal = signal(false);
  private readonly errorSignal = signal<string | null>(null);
  private loading: Promise<void> | null = null;

  readonly rooms = this.state.value;
  readonly loaded = this.loadedSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  readonly sorted = computed(() => [...this.rooms()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })));

  load(): Promise<void> {
    this.loading ??= this.api
      .list()
      .then((rooms) => {
        this.state.set(rooms);
        this.loadedSignal.set(true);
        this.errorSignal.set(null);
      })
      .catch((error: unknown) => this.errorSignal.set(`Could not load your rooms: ${errorMessage(error)}`))
      .finally(() => (this.loading = null));
    return this.loading;
  }

  async create(input: RoomInput): Promise<RoomView> {
    const room = await this.api.create(input);
    this.upsert(room);
    return room;
  }

  /** Removes the room at once; it comes back if the server refuses. */
  delete(id: string): Promise<void> {
    return this.state.apply(
      (rooms) => rooms.filter((r) => r.id !== id),
      () => this.api.delete(id),
      (rooms) => rooms.filter((r) => r.id !== id),
    );
  }

  upsert(room: RoomView): void {
    this.state.update((rooms) => (rooms.some((r) => r.id === room.id) ? rooms.map((r) => (r.id === room.id ? room : r)) : [...rooms, room]));
  }

  remove(id: string): void {
    this.state.update((rooms) => rooms.filter((r) => r.id !== id));
  }

  clear(): void {
    this.state.set([]);
    this.loadedSignal.set(false);
  }
}
