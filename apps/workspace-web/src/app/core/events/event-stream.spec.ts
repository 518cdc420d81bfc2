import { FakeSseTransport, frame, until } from '../../../testing/fake-sse';
import type { SseFrame } from './sse-parser';
import { EventStream, type StreamEnd, type StreamStatus } from './event-stream';

function open(fake: FakeSseTransport, options: { idleTimeoutMs?: number } = {}) {
  const frames: SseFrame[] = [];
  const statuses: { status: StreamStatus; end?: StreamEnd }[] = [];
  const stream = new EventStream({
    url: '/api/events?roomId=r1',
    transport: fake.transport,
    onEvent: (f) => frames.push(f),
    onStatus: (status, detail) => statuses.push({ status, end: detail.end }),
    retryDelaysMs: [5],
    random: () => 0,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
  });
  stream.start();
  return { stream, frames, statuses };
}

describe('EventStream', () => {
  it('connects without Last-Event-ID, then reconnects with the id of the last frame it saw, heartbeats included', async () => {
    const fake = new FakeSseTransport();
    const { stream, frames } = open(fake);
    const first = await fake.waitForConnections(1);
    expect(first.headers['Last-Event-ID']).toBeUndefined();
    expect(first.headers['Accept']).toBe('text/event-stream');

    first.send(frame('7-0', 'heartbeat', { t: 1 }));
    first.send(frame('8-0', 'message', { id: 'm1' }));
    first.send(frame('8-1', 'heartbeat', { t: 2 }));
    await until(() => stream.lastEventId === '8-1');
    first.fail();

    const second = await fake.waitForConnections(2);
    expect(second.headers['Last-Event-ID']).toBe('8-1');
    // Heartbeats move the position but are not events.
    expect(frames.map((f) => f.id)).toEqual(['8-0']);
    stream.stop();
  });

  it('reconnects when the server ends the stream, and when nothing (not even a heartbeat) arrives in time', async () => {
    const fake = new FakeSseTransport();
    const { stream } = open(fake, { idleTimeoutMs: 60 });
    const first = await fake.waitForConnections(1);
    first.send(frame('1-0', 'task', {}));
    first.end();
    const second = await fake.waitForConnections(2);
    expect(second.headers['Last-Event-ID']).toBe('1-0');
    // Silent connection: the watchdog aborts it and a third one starts.
    const third = await fake.waitForConnections(3);
    expect(second.signal.aborted).toBe(true);
    expect(third.headers['Last-Event-ID']).toBe('1-0');
    stream.stop();
  });

  it('stops for good on 401 (the session ended) and on 404 (the room is gone), without retrying', async () => {
    for (const [status, end] of [
      [401, 'unauthorized'],
      [404, 'not-found'],
    ] as const) {
      const fake = new FakeSseTransport();
      fake.answerWith(status);
      const { statuses } = open(fake);
      await until(() => statuses.some((s) => s.status === 'closed'));
      expect(statuses.at(-1)).toEqual({ status: 'closed', end });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(fake.connections).toHaveLength(1);
    }
  });

  it('retries a server error (5xx) and reports reconnecting, then live again', async () => {
    const fake = new FakeSseTransport();
    fake.answerWith(503);
    const { stream, statuses } = open(fake);
    const second = await fake.waitForConnections(2);
    second.send(frame('3-0', 'heartbeat', {}));
    await until(() => statuses.at(-1)?.status === 'live');
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'reconnecting', 'reconnecting', 'live']);
    stream.stop();
  });

  it('makes no further requests once stopped', async () => {
    const fake = new FakeSseTransport();
    const { stream } = open(fake);
    const first = await fake.waitForConnections(1);
    stream.stop();
    expect(first.signal.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fake.connections).toHaveLength(1);
  });
});
