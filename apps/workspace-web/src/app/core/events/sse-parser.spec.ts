import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('reads id, event and data of each frame, dispatching on the blank line', () => {
    const parser = new SseParser();
    expect(parser.push('id: 5-0\nevent: message\ndata: {"a":1}\n\n')).toEqual([{ id: '5-0', type: 'message', data: '{"a":1}' }]);
  });

  it('assembles frames split anywhere across chunks, CR and LF included', () => {
    const parser = new SseParser();
    const text = 'id: 1-0\r\nevent: task\r\ndata: {"x":\r\n\r\nid: 2-0\revent: room\rdata: 2\r\r';
    const frames = [];
    for (const char of text) frames.push(...parser.push(char));
    expect(frames).toEqual([
      { id: '1-0', type: 'task', data: '{"x":' },
      { id: '2-0', type: 'room', data: '2' },
    ]);
  });

  it('joins data lines with newlines, ignores comments and defaults the type to message', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\ndata: one\ndata: two\n\n')).toEqual([{ id: null, type: 'message', data: 'one\ntwo' }]);
  });

  it('keeps an incomplete frame until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 9-1\nevent: heartbeat\ndata: {"t":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: '9-1', type: 'heartbeat', data: '{"t":1}' }]);
  });
});
