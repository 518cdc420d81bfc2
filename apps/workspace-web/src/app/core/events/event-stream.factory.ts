import { InjectionToken } from '@angular/core';
import { EventStream, type EventStreamOptions } from './event-stream';

/** The stream handle stores hold. */
export interface LiveStream {
  readonly lastEventId: string | null;
  start(): void;
  stop(): void;
  reconnectNow(): void;
}

/** Creates live streams; tests provide one that lets them push frames by hand. */
export const EVENT_STREAMS = new InjectionToken<(options: EventStreamOptions) => LiveStream>('event streams', {
  providedIn: 'root',
  factory: () => (options) => new EventStream(options),
});
