import type { Readable } from 'node:stream';

/** Calls onLine for every complete, non-empty line the stream produces. */
export function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    lines.filter(Boolean).forEach(onLine);
  });
  stream.on('end', () => partial && onLine(partial));
}

/** The last few lines of a process's output, kept so a failure can say what went wrong. */
export class RecentLines {
  private readonly lines: string[] = [];

  constructor(private readonly limit = 40) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }

  includes(text: string): boolean {
    return this.lines.some((line) => line.includes(text));
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
