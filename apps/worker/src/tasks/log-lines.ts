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
