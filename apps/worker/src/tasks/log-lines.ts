import { MAX_LOG_LINE_CHARS } from '@oz/contract';
import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a task's output stream into lines. Bytes are decoded across chunks, so a character split
 * between two chunks stays whole. A line longer than MAX_LOG_LINE_CHARS is cut there and ends in
 * `…` (as the control plane stores it), the rest of it dropped: a task printing without newlines
 * cannot grow the worker's memory.
 */
export class LogLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** The pending line was cut: drop what follows until its newline. */
  private cut = false;

  /** The lines that `chunk` completes. */
  push(chunk: Buffer): string[] {
    return this.split(this.decoder.write(chunk));
  }

  /** At the end of the stream: the lines left, including a last one without a newline. */
  end(): string[] {
    const lines = this.split(this.decoder.end());
    if (this.pending !== '') lines.push(this.takeLine());
    return lines;
  }

  private split(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline));
      lines.push(this.takeLine());
      start = newline + 1;
    }
    this.append(text.slice(start));
    return lines;
  }

  private append(text: string): void {
    if (this.cut) return;
    this.pending += text;
    if (this.pending.length > MAX_LOG_LINE_CHARS) {
      this.pending = `${this.pending.slice(0, MAX_LOG_LINE_CHARS)}…`;
      this.cut = true;
    }
  }

  private takeLine(): string {
    const line = this.pending;
    this.pending = '';
    this.cut = false;
    return line;
  }
}

/** The last `count` lines seen, for the output of a task that wrote no output file. */
export class RecentLines {
  private lines: string[] = [];

  constructor(private readonly count: number) {}

  add(lines: string[]): void {
    this.lines.push(...lines);
    // Trimmed in steps rather than on every batch, to keep adding cheap.
    if (this.lines.length > this.count * 2) this.lines = this.lines.slice(-this.count);
  }

  text(): string {
    return this.lines.slice(-this.count).join('\n');
  }
}

const DOCKER_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z ([\s\S]*)$/;

/**
 * A line Docker read back with `timestamps: true`: its text, and its timestamp as a log cursor
 * (RFC 3339 with all nine fraction digits, so cursors compare as strings; Docker trims trailing
 * zeros). A line without a timestamp has no cursor.
 */
export function splitTimestamp(line: string): { cursor: string | null; text: string } {
  const match = DOCKER_TIMESTAMP.exec(line);
  if (!match) return { cursor: null, text: line };
  return { cursor: `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`, text: match[3] ?? '' };
}

/** A cursor as Docker's logs `since` wants it: Unix seconds and nanoseconds (`1700000000.123456789`). */
export function dockerSince(cursor: string): string {
  const [seconds = '', fraction = '000000000Z'] = cursor.split('.');
  return `${Math.floor(Date.parse(`${seconds}Z`) / 1000)}.${fraction.replace(/Z$/, '')}`;
}

/**
 * The per-task log rate: a bucket of `perSecond` tokens a second holding five seconds' worth, one per
 * line. Lines beyond it are dropped and counted; the next line that gets through is preceded by a note
 * saying how many were dropped (and `pendingNote` says it at the end of the log).
 */
export class LogRateLimit {
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;
  private dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = perSecond * 5;
    this.tokens = this.capacity;
    this.refilledAt = now();
  }

  /** What to send for `line`: nothing when over the rate, else the line (after the note of what was dropped). */
  admit(line: string): string[] {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) {
      this.dropped++;
      return [];
    }
    this.tokens--;
    const note = this.pendingNote();
    return note ? [note, line] : [line];
  }

  /** The note of lines dropped since the last line that got through, once. */
  pendingNote(): string | null {
    if (this.dropped === 0) return null;
    const note = `oz-worker: ${this.dropped} log line${this.dropped === 1 ? '' : 's'} dropped (more than ${this.perSecond} lines/s)`;
    this.dropped = 0;
    return note;
  }
}
