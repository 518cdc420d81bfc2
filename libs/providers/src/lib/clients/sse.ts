export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Server-sent events from a response body, as they arrive (the WHATWG rules: `event:` and `data:`
 * fields, a blank line ends an event, `:` starts a comment). `onBytes` is told of every chunk, so
 * the caller can treat any traffic as a sign of life.
 */
export async function* readSseEvents(body: AsyncIterable<Uint8Array>, onBytes: () => void): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of followedByEnd(body)) {
    if (chunk) {
      onBytes();
      buffer += decoder.decode(chunk, { stream: true });
    }
    let lineEnd: number;
    while ((lineEnd = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A '\r' at the very end may be the first half of a '\r\n' split across chunks (unless the
      // stream has ended: then it ends its line, like any other line end).
      if (chunk && lineEnd === buffer.length - 1 && buffer.endsWith('\r')) break;
      const line = buffer.slice(0, lineEnd);
      buffer = buffer.slice(lineEnd + (buffer.startsWith('\r\n', lineEnd) ? 2 : 1));
      if (line === '') {
        if (data.length) yield { event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}

/** The body's chunks, then `null` once it has ended. */
async function* followedByEnd(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array | null> {
  yield* body;
  yield null;
}
