import type { DestroyRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { RunItem } from '@oz/contract';
import { SessionStore } from '../core/auth/session.store';
import type { EventStreamOptions } from '../core/events/event-stream';
import { EVENT_STREAMS, type LiveStream } from '../core/events/event-stream.factory';
import { ControlPlaneApi } from './control-plane.api';
import { UserEvents } from './user-events';

/** A stream the test drives: it records the options the channel opened it with. */
class FakeStream implements LiveStream {
  lastEventId: string | null = null;
  started = 0;
  stopped = 0;
  constructor(readonly options: EventStreamOptions) {}
  start(): void {
    this.started++;
  }
  stop(): void {
    this.stopped++;
  }
  reconnectNow(): void {
    // not used here
  }
  emit(id: string | null, type: string, data: unknown): void {
    this.options.onEvent({ id, type, data: JSON.stringify(data) });
  }
}

const run = (id: string, state: RunItem['state']) => ({ run_id: id, state }) as RunItem;

/** A DestroyRef the test destroys by hand. */
function destroyable(): { ref: DestroyRef; destroy: () => void } {
  const callbacks: (() => void)[] = [];
  const ref = { onDestroy: (callback: () => void) => (callbacks.push(callback), () => undefined), destroyed: false } as unknown as DestroyRef;
  return { ref, destroy: () => callbacks.forEach((callback) => callback()) };
}

describe('UserEvents (the user\'s own channel)', () => {
  let streams: FakeStream[];
  let session: { sessionEnded: jest.Mock };
  let events: UserEvents;

  beforeEach(() => {
    streams = [];
    session = { sessionEnded: jest.fn() };
    TestBed.configureTestingModule({
      providers: [
        { provide: EVENT_STREAMS, useValue: (options: EventStreamOptions) => (streams.push(new FakeStream(options)), streams.at(-1)!) },
        { provide: SessionStore, useValue: session },
        { provide: ControlPlaneApi, useValue: { userEventsUrl: () => '/api/events/me' } },
      ],
    });
    events = TestBed.inject(UserEvents);
  });

  afterEach(() => TestBed.resetTestingModule());

  it('opens one stream for the session, at /api/events/me, and closes it on stop', () => {
    events.start();
    events.start();
    expect(streams).toHaveLength(1);
    expect(streams[0].options.url).toBe('/api/events/me');
    expect(streams[0].started).toBe(1);
    expect(events.mode()).toBe('connecting');
    streams[0].options.onStatus?.('live', { attempt: 0 });
    expect(events.mode()).toBe('live');
    events.stop();
    expect(streams[0].stopped).toBe(1);
    expect(events.mode()).toBe('off');
  });

  it('hands each event once, in stream order, to the listeners of its type until they go', () => {
    const page = destroyable();
    const seen: string[] = [];
    events.on('run', (r) => seen.push(`${r.run_id}:${r.state}`), page.ref);
    const outputs: string[] = [];
    events.on('run_output', (o) => outputs.push(o.delta));
    events.start();
    const stream = streams[0];
    stream.emit('1-0', 'run', run('r1', 'QUEUED'));
    stream.emit('2-0', 'run_output', { run_id: 'r1', offset: 0, delta: 'Hel' });
    stream.emit('3-0', 'run', run('r1', 'INPROGRESS'));
    stream.emit('3-0', 'run', run('r1', 'INPROGRESS')); // a duplicate (a replay overlapping what was seen)
    stream.emit('2-5', 'run', run('r1', 'QUEUED')); // a straggler from before the position
    stream.emit(null, 'run', run('r9', 'FAILED')); // no id: not from the server's stream
    expect(seen).toEqual(['r1:QUEUED', 'r1:INPROGRESS']);
    expect(outputs).toEqual(['Hel']);
    page.destroy();
    stream.emit('4-0', 'run', run('r1', 'SUCCEEDED'));
    expect(seen).toEqual(['r1:QUEUED', 'r1:INPROGRESS']);
  });

  it('tells the pages to reload when events were missed for good, and goes on from the resync', () => {
    const reload = jest.fn();
    events.onResync(reload);
    const seen: string[] = [];
    events.on('rooms', (room) => seen.push(room.id));
    events.start();
    streams[0].emit('5-0', 'resync', {});
    expect(reload).toHaveBeenCalledTimes(1);
    streams[0].emit('4-0', 'rooms', { id: 'old', deleted: true });
    streams[0].emit('6-0', 'rooms', { id: 'new', deleted: true });
    expect(seen).toEqual(['new']);
  });

  it('ends the session when the server no longer knows it, and can start again afterwards', () => {
    events.start();
    streams[0].options.onStatus?.('closed', { attempt: 1, end: 'unauthorized' });
    expect(session.sessionEnded).toHaveBeenCalled();
    expect(events.mode()).toBe('off');
    events.start();
    expect(streams).toHaveLength(2);
  });
});
