/** One frame of a Server-Sent Events stream. */
export interface SseFrame {
  /** The `id:` field, or null when the frame had none. */
  id: string | null;
  /** The `event:` field; `message` when absent, as the standard says. */
  type: string;
  data: string;
}

/**
 * Incremental parser for `text/event-stream` (the HTML standard's rules): lines end with CRLF, LF or
 * CR; `:` starts a comment; a blank line dispatches the frame; `data:` lines join with newlines.
 * Chunks may split lines anywhere, even between a CR and its LF.
 */
export class SseParser {
  private buffer = '';
  private pendingCr = false;
  private id: string | null = null;
  private type = '';
  private data: string[] = [];
  private hasData = false;

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    const frames: SseFrame[] = [];
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      this.line(this.buffer.slice(start, i), frames);
      if (char === '\r') {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return frames;
  }

  private line(line: string, frames: SseFrame[]): void {
    if (line === '') {
      if (this.hasData || this.type || this.id !== null) {
        frames.push({ id: this.id, type: this.type || 'message', data: this.data.join('\n') });
      }
      this.id = null;
      this.type = '';
      this.data = [];
      this.hasData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        break; // `retry:` and unknown fields: our client has its own back-off
    }
  }
}
