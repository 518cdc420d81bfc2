import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { RESYNC_EVENT, type UserEventData, type UserEventType } from '@oz/workspace-contract';
import { SessionStore } from '../core/auth/session.store';
import { EventCursor } from '../core/events/event-cursor';
import { EVENT_STREAMS, type LiveStream } from '../core/events/event-stream.factory';
import { ControlPlaneStatusStore } from './control-plane-status.store';
import { ControlPlaneApi } from './control-plane.api';

/** `live`: pushed over the user's channel; `polling`: this server has no such channel yet, so pages poll. */
export type UserEventsMode = 'connecting' | 'live' | 'polling';

type Handler<T extends UserEventType> = (data: UserEventData[T]) => void;

/**
 * The signed-in user's own live channel (`GET /api/events/me`, phase 2): runs, their output and
 * logs, workers, notifications. Opened while some page listens. A server without it answers 404, and
 * pages then refresh what they show on a timer instead (`mode() === 'polling'`).
 */
@Injectable({ providedIn: 'root' })
export class UserEvents {
  private readonly streams = inject(EVENT_STREAMS);
  private readonly api = inject(ControlPlaneApi);
  private readonly session = inject(SessionStore);
  private readonly status = inject(ControlPlaneStatusStore);
  private readonly handlers = new Map<string, Set<(data: never) => void>>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly cursor = new EventCursor();
  private stream: LiveStream | null = null;
  private listeners = 0;
  private readonly modeSignal = signal<UserEventsMode>('connecting');
  readonly mode = this.modeSignal.asReadonly();

  /** Listens to one event type until `destroyRef` (a page) goes; returns the stop function. */
  on<T extends UserEventType>(type: T, handler: Handler<T>, destroyRef?: DestroyRef): () => void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as (data: never) => void);
    this.handlers.set(type, set);
    this.retain();
    const stop = () => {
      if (set.delete(handler as (data: never) => void)) this.release();
    };
    destroyRef?.onDestroy(stop);
    return stop;
  }

  /** Called when events were missed for good: reload what the page shows. */
  onResync(handler: () => void, destroyRef?: DestroyRef): void {
    this.resyncHandlers.add(handler);
    destroyRef?.onDestroy(() => this.resyncHandlers.delete(handler));
  }

  private retain(): void {
    this.listeners++;
    if (this.listeners > 1) return;
    // The channel comes with the backend-for-frontend: without it, do not even ask.
    void this.status.ensureLoaded().then((availability) => {
      if (this.listeners === 0 || this.stream) return;
      if (availability === 'available') this.connect();
      else this.modeSignal.set('polling');
    });
  }

  private connect(): void {
    const stream = this.streams({
      url: this.api.userEventsUrl(),
      onEvent: (frame) => {
        if (frame.type === RESYNC_EVENT) {
          if (frame.id) this.cursor.accept(frame.id);
          for (const handler of [...this.resyncHandlers]) handler();
          return;
        }
        if (!this.cursor.accept(frame.id)) return;
        let data: unknown;
        try {
          data = JSON.parse(frame.data);
        } catch {
          return;
        }
        for (const handler of [...(this.handlers.get(frame.type) ?? [])]) handler(data as never);
      },
      onStatus: (status, detail) => {
        if (status === 'live') this.modeSignal.set('live');
        else if (status === 'closed' && detail.end === 'unauthorized') this.session.sessionEnded();
        else if (status === 'closed' && detail.end !== 'stopped') {
          this.stream = null;
          this.modeSignal.set('polling');
        }
      },
    });
    this.stream = stream;
    stream.start();
  }

  private release(): void {
    this.listeners = Math.max(0, this.listeners - 1);
    if (this.listeners === 0 && this.stream) {
      this.stream.stop();
      this.stream = null;
      this.modeSignal.set('connecting');
    }
  }
}
