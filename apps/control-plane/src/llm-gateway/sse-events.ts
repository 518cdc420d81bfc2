/** One server-sent event as it came: its exact text (blank line included) and its fields. */
export interface RawSseEvent {
  /** The event's text, as received, up to and including the blank line that ends it. */
  raw: string;
  /** `event:` field; '' when absent. */
  event: string;
  /** `data:` lines joined with \n; '' when absent. */
  data: string;
}

/**
 * An event that never ends is not an event: past this size the text is handed on as it is (still in
 * order, still whole), with no fields read from it.
 */
export const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * Splits a server-sent event stream into whole events as text arrives in arbitrary pieces, keeping
 * each event's text exactly as received, so that a gateway can pass events on unchanged, read what it
 * needs from them (usage, errors) and leave one out. Line ends are \n, \r\n or \r (WHATWG rules).
 */
export class SseSplitter {
  private buffer = '';
  /** Where the scan for an event's end resumes. */
  private scanned = 0;

  /** The events `text` completes (and, for a runaway event, its text so far as a field-less event). */
  push(text: string): RawSseEvent[] {
    this.buffer += text;
    const events: RawSseEvent[] = [];
    for (;;) {
      const end = eventEnd(this.buffer, this.scanned);
      if (end === null) break;
      if (end < 0) {
        // A lone \r at the end may be half of \r\n: wait for more.
        this.scanned = Math.max(0, this.buffer.length - 2);
        break;
      }
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      this.scanned = 0;
      events.push(parseEvent(raw));
    }
    if (this.buffer.length > MAX_EVENT_CHARS) {
      events.push({ raw: this.buffer, event: '', data: '' });
      this.buffer = '';
      this.scanned = 0;
    }
    if (events.length === 0 && this.buffer.length) this.scanned = Math.max(0, this.buffer.length - 3);
    return events;
  }

  /** What is left when the stream ended: an event without its blank line, or nothing. */
  end(): RawSseEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    this.scanned = 0;
    return rest ? [parseEvent(rest)] : [];
  }
}

/**
 * The index just past the blank line ending the first event in `text` (scanning from `from`), null
 * when there is none yet, -1 when the text ends in a \r that might start a \r\n.
 */
function eventEnd(text: string, from: number): number | null {
  // A \r followed by \n is one line end, never two.
  const pattern = /(\r\n|\r(?!\n)|\n)(\r\n|\r(?!\n)|\n)/g;
  pattern.lastIndex = from;
  const found = pattern.exec(text);
  if (!found) return null;
  const end = found.index + found[0].length;
  // "\r" then "\r" at the very end could be "\r\n\r" (an unfinished "\r\n\r\n"); "\n" + "\r" too.
  if (end === text.length && text.endsWith('\r')) return -1;
  return end;
}

function parseEvent(raw: string): RawSseEvent {
  let event = '';
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { raw, event, data: data.join('\n') };
}
