import { MAX_LOG_LINE_CHARS } from '@oz/contract';
import { dockerSince, LogLineSplitter, LogRateLimit, RecentLines, splitTimestamp } from './log-lines';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('splitting task output into log lines', () => {
  it('hands over complete lines as they arrive, the last one without a newline at the end', () => {
    const splitter = new LogLineSplitter();
    expect(splitter.push(bytes('one\ntw'))).toEqual(['one']);
    expect(splitter.push(bytes('o\n\nthr'))).toEqual(['two', '']);
    expect(splitter.push(bytes('ee'))).toEqual([]);
    expect(splitter.end()).toEqual(['three']);
  });

  it('ends with nothing when the output ended with a newline', () => {
    const splitter = new LogLineSplitter();
    expect(splitter.push(bytes('done\n'))).toEqual(['done']);
    expect(splitter.end()).toEqual([]);
  });

  // Bug fixed: chunks were decoded one by one, so a character split between two chunks became two
  // replacement characters.
  it('keeps a character whole when its bytes arrive in two chunks', () => {
    const encoded = bytes('café ✓\n');
    const splitter = new LogLineSplitter();
    const cut = encoded.indexOf(0xe2) + 1; // inside the three bytes of ✓
    expect([...splitter.push(encoded.subarray(0, cut)), ...splitter.push(encoded.subarray(cut))]).toEqual(['café ✓']);
  });

  // Bug fixed: a line without a newline grew without bound in the worker's memory.
  it('cuts a line longer than the limit and drops the rest of it, however it arrives', () => {
    const splitter = new LogLineSplitter();
    const lines: string[] = [];
    for (let i = 0; i < 1_000; i++) lines.push(...splitter.push(bytes('x'.repeat(1_000))));
    lines.push(...splitter.push(bytes('tail\nnext line\n')));
    expect(lines).toEqual([`${'x'.repeat(MAX_LOG_LINE_CHARS)}…`, 'next line']);
  });

  it('leaves a line of exactly the limit alone', () => {
    const splitter = new LogLineSplitter();
    expect(splitter.push(bytes(`${'y'.repeat(MAX_LOG_LINE_CHARS)}\n`))).toEqual(['y'.repeat(MAX_LOG_LINE_CHARS)]);
  });
});

describe('the recent lines of a task', () => {
  it('keeps the last lines, in order', () => {
    const recent = new RecentLines(3);
    for (let i = 1; i <= 10; i++) recent.add([`line ${i}`]);
    expect(recent.text()).toBe('line 8\nline 9\nline 10');
    recent.add(['a', 'b']);
    expect(recent.text()).toBe('line 10\na\nb');
  });

  it('is empty before any line', () => {
    expect(new RecentLines(3).text()).toBe('');
  });
});

describe('Docker log timestamps', () => {
  it('splits a line into its text and a cursor with all nine fraction digits, so cursors compare as strings', () => {
    expect(splitTimestamp('2026-01-01T00:00:02.1Z hello world')).toEqual({ cursor: '2026-01-01T00:00:02.100000000Z', text: 'hello world' });
    expect(splitTimestamp('2026-01-01T00:00:02Z ')).toEqual({ cursor: '2026-01-01T00:00:02.000000000Z', text: '' });
    expect(splitTimestamp('no timestamp here')).toEqual({ cursor: null, text: 'no timestamp here' });
    expect(String(splitTimestamp('2026-01-01T00:00:02.1Z x').cursor) < String(splitTimestamp('2026-01-01T00:00:02.123Z x').cursor)).toBe(true);
  });

  it('gives a cursor to Docker as Unix seconds and nanoseconds', () => {
    expect(dockerSince('2026-01-01T00:00:02.100000000Z')).toBe('1767225602.100000000');
  });
});

describe('the log rate limit', () => {
  it('lets five seconds’ worth through at once, then the rate, and says how many lines it dropped', () => {
    let now = 0;
    const rate = new LogRateLimit(2, () => now);
    const through = Array.from({ length: 14 }, (_, i) => rate.admit(`line ${i}`)).flat();
    expect(through).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
    now = 1_000;
    expect(rate.admit('later')).toEqual(['oz-worker: 4 log lines dropped (more than 2 lines/s)', 'later']);
    expect(rate.admit('next')).toEqual(['next']);
    expect(rate.admit('over')).toEqual([]);
    expect(rate.pendingNote()).toBe('oz-worker: 1 log line dropped (more than 2 lines/s)');
    expect(rate.pendingNote()).toBeNull();
  });
});
