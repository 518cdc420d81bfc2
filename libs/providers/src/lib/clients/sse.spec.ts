import { readSseEvents, type SseEvent } from './sse';

async function eventsOf(chunks: string[]): Promise<SseEvent[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(body(), () => undefined)) events.push(event);
  return events;
}

const STREAM =
  ': a comment the reader skips\n' +
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  'data: first line\ndata: second line\n\n' +
  'event: ping\r\ndata: {"type":"ping"}\r\n\r\n' +
  'data: ünïcödé ✓\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start"}' },
  { event: 'message', data: 'first line\nsecond line' },
  { event: 'ping', data: '{"type":"ping"}' },
  { event: 'message', data: 'ünïcödé ✓' },
];

describe('readSseEvents', () => {
  it('reads events, names, multi-line data and CRLF line ends', async () => {
    expect(await eventsOf([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the stream is cut into chunks', async () => {
    // Every cut point, in bytes: through a CRLF, inside a multi-byte character, between events.
    const bytes = Buffer.from(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      const events: SseEvent[] = [];
      async function* body() {
        yield bytes.subarray(0, cut);
        yield bytes.subarray(cut);
      }
      for await (const event of readSseEvents(body(), () => undefined)) events.push(event);
      expect({ cut, events }).toEqual({ cut, events: EXPECTED });
    }
  });

  it('drops an event the stream never finished', async () => {
    expect(await eventsOf(['data: complete\n\ndata: cut off'])).toEqual([{ event: 'message', data: 'complete' }]);
  });

  it('tells the caller of every chunk, so silence can be timed', async () => {
    let chunks = 0;
    async function* body() {
      yield new TextEncoder().encode('data: a');
      yield new TextEncoder().encode('\n\n');
    }
    const events: SseEvent[] = [];
    for await (const event of readSseEvents(body(), () => chunks++)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'a' }]);
    expect(chunks).toBe(2);
  });
});
