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

  it('gives the same events when every byte is a chunk of its own', async () => {
    const bytes = Buffer.from(STREAM);
    const events: SseEvent[] = [];
    async function* body() {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    for await (const event of readSseEvents(body(), () => undefined)) events.push(event);
    expect(events).toEqual(EXPECTED);
  });

  it('reads a CRLF split between two chunks as one line end, not a line end and a blank line', async () => {
    // Were the '\n' read as a second line end, `data: two` would be dispatched alone, then again merged.
    expect(await eventsOf(['data: one\r', '\ndata: two\r\n\r\n'])).toEqual([{ event: 'message', data: 'one\ntwo' }]);
    expect(await eventsOf(['data: one\r\n\r', '\n'])).toEqual([{ event: 'message', data: 'one' }]);
  });

  it('accepts lone CR line ends, up to the very end of the stream', async () => {
    expect(await eventsOf(['event: a\rdata: 1\r\rdata: 2\r\r'])).toEqual([
      { event: 'a', data: '1' },
      { event: 'message', data: '2' },
    ]);
    expect(await eventsOf(['data: 1\r', '\r'])).toEqual([{ event: 'message', data: '1' }]);
  });

  it('reads fields as the standard says: one optional space, no colon, unknown fields, comments', async () => {
    const events = await eventsOf([
      ':keep-alive\n\n',
      'data:no space\ndata:  two spaces\ndata\nid: 7\nretry: 1000\nfoo: bar\n\n',
      // An event name lasts for one event only.
      'event: named\nid: 8\n\ndata: unnamed\n\n',
    ]);
    expect(events).toEqual([
      { event: 'message', data: 'no space\n two spaces\n' },
      { event: 'message', data: 'unnamed' },
    ]);
  });

  it('stops reading the body when the caller stops reading events', async () => {
    // The HTTP client returns as soon as the answer is complete; that must close the response body.
    let closed = false;
    async function* body() {
      try {
        yield new TextEncoder().encode('data: done\n\n');
        yield new TextEncoder().encode('data: never read\n\n');
      } finally {
        closed = true;
      }
    }
    for await (const event of readSseEvents(body(), () => undefined)) {
      expect(event.data).toBe('done');
      break;
    }
    expect(closed).toBe(true);
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
