import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { RESYNC_EVENT, type UserEventData, type UserEventType } from '@oz/workspace-contract';
import { SessionStore } from '../core/auth/session.store';
import { EventCursor } from '../core/events/event-cursor';
import { EVENT_STREAMS, type LiveStream } from '../core/events/event-stream.factory';
import { ControlPlaneApi } from './control-plane.api';

/** `live`: events arrive; `connecting`/`reconnecting`: they will once the stream is (back) up; `off`: signed out. */
export type UserEventsMode = 'off' | 'connecting' | 'live' | 'reconnecting';

type Handler<T extends UserEventType> = (data: UserEventData[T]) => void;

/**
 * The signed-in user's own live channel (`GET /api/events/me`), open for the whole session (the shell
 * starts it): their control-plane runs with their output and logs, notifications and room changes
 * from every room, and the workers for the admin. Pages listen to the types they show; the stream
 * resumes with `Last-Event-ID` after a drop, and a `resync` (events missed for good) tells each page
 * to reload. Nothing polls: this channel is what keeps pages current.
 */
@Injectable({ providedIn: 'root' })
export class UserEvents {
  private readonly streams = inject(EVENT_STREAMS);
  private readonly session = inject(SessionStore);
  private readonly api = inject(ControlPlaneApi);
  private readonly handlers = new Map<string, Set<(data: never) => void>>();
  private readonly resyncHandlers = new Set<() => void>();
  private cursor = new EventCursor();
  private stream: LiveStream | null = null;
  private readonly modeSignal = signal<UserEventsMode>('off');
  readonly mode = this.modeSignal.asReadonly();

  /** Opens the channel (once per sign-in). */
  start(): void {
    if (this.stream) return;
    this.cursor = new EventCursor();
    this.modeSignal.set('connecting');
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
        else if (status === 'reconnecting') this.modeSignal.set('reconnecting');
        else if (status === 'closed') {
          this.stream = null;
          this.modeSignal.set('off');
          if (detail.end === 'unauthorized') this.session.sessionEnded();
        }
      },
    });
    this.stream = stream;
    stream.start();
  }

  /** Closes the channel (signing out). */
  stop(): void {
    this.stream?.stop();
    this.stream = null;
    this.modeSignal.set('off');
  }

  /** Listens to one event type until `destroyRef` (a page or a store) goes; returns the stop function. */
  on<T extends UserEventType>(type: T, handler: Handler<T>, destroyRef?: DestroyRef): () => void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as (data: never) => void);
    this.handlers.set(type, set);
    const stop = () => void set.delete(handler as (data: never) => void);
    destroyRef?.onDestroy(stop);
    return stop;
  }

  /** Called when events were missed for good: reload what the page shows. */
  onResync(handler: () => void, destroyRef?: DestroyRef): () => void {
    this.resyncHandlers.add(handler);
    const stop = () => void this.resyncHandlers.delete(handler);
    destroyRef?.onDestroy(stop);
    return stop;
  }
}
