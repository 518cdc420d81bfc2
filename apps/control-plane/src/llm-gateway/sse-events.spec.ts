import { MAX_EVENT_CHARS, SseSplitter, type RawSseEvent } from './sse-events';

/** Feeds `text` in pieces cut at every position in `cuts`, then ends the stream. */
function split(text: string, cuts: number[]): RawSseEvent[] {
  const splitter = new SseSplitter();
  const events: RawSseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...splitter.push(text.slice(from, cut)));
    from = cut;
  }
  return [...events, ...splitter.end()];
}

const STREAM = [
  'event: message_start\ndata: {"type":"message_start"}\n\n',
  ': a comment\n\n',
  'event: content_block_delta\r\ndata: {"a":1}\r\ndata: {"b":2}\r\n\r\n',
  'data: [DONE]\r\r',
].join('');

describe('the SSE splitter', () => {
  it('gives each event with its exact text and its fields, whatever the line ends', () => {
    const events = split(STREAM, []);
    expect(events.map((e) => e.raw).join('')).toBe(STREAM);
    expect(events.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: '', data: '' },
      { event: 'content_block_delta', data: '{"a":1}\n{"b":2}' },
      { event: '', data: '[DONE]' },
    ]);
  });

  it('gives the same events however the text is cut, a \\r\\n split in two included', () => {
    const whole = split(STREAM, []);
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(split(STREAM, [cut])).toEqual(whole);
    }
    expect(split(STREAM, Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('hands on an event that never ends once it passes the size cap, in order and whole', () => {
    const splitter = new SseSplitter();
    const runaway = `data: ${'x'.repeat(MAX_EVENT_CHARS)}`;
    const [event] = splitter.push(runaway);
    expect(event?.raw).toBe(runaway);
    expect(splitter.push('\n\ndata: next\n\n').map((e) => e.raw)).toEqual(['\n\n', 'data: next\n\n']);
  });

  it('gives what is left when the stream ends without a blank line', () => {
    const splitter = new SseSplitter();
    expect(splitter.push('data: {"partial":')).toEqual([]);
    expect(splitter.end()).toEqual([{ raw: 'data: {"partial":', event: '', data: '{"partial":' }]);
    expect(splitter.end()).toEqual([]);
  });
});
