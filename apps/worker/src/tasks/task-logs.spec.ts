import type Docker from 'dockerode';
import { PassThrough, type Writable } from 'node:stream';
import { followTaskLogs, type FollowLogs } from './task-logs';

/** A container whose log is a stream the test writes to. */
function containerLogging(log: PassThrough): Docker.Container {
  return {
    logs: async () => log,
    modem: { demuxStream: (stream: PassThrough, out: Writable) => stream.pipe(out) },
  } as unknown as Docker.Container;
}

function follow(log: PassThrough, overrides: Partial<FollowLogs>) {
  const batches: string[][] = [];
  const done = followTaskLogs(containerLogging(log), {
    since: null,
    linesPerSecond: 1_000_000,
    onLine: () => undefined,
    onBatch: (lines) => batches.push(lines),
    whenWritable: async () => undefined,
    signal: new AbortController().signal,
    ...overrides,
  });
  return { batches, done };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('following a task’s log', () => {
  it('stops reading while the channel cannot take more, and reads on once it can', async () => {
    const log = new PassThrough();
    let writable: () => void = () => undefined;
    const { batches, done } = follow(log, { whenWritable: () => new Promise<void>((resolve) => (writable = resolve)) });
    await settle();
    log.write(`${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n`);
    await settle();
    expect(batches).toHaveLength(1);
    expect(log.isPaused()).toBe(true);
    writable();
    await settle();
    expect(log.isPaused()).toBe(false);
    log.end('last\n');
    await done;
    expect(batches.flat()).toHaveLength(101);
  });

  it('sends a flood at the rate limit, noting what it dropped, and sees every line for the output tail', async () => {
    const log = new PassThrough();
    const seen: string[] = [];
    let dropped = 0;
    const { batches, done } = follow(log, { linesPerSecond: 10, onLine: (line) => seen.push(line), onDropped: () => dropped++ });
    log.end(`${Array.from({ length: 5_000 }, (_, i) => `flood ${i}`).join('\n')}\n`);
    await done;
    const sent = batches.flat();
    expect(seen).toHaveLength(5_000);
    expect(sent.length).toBeLessThanOrEqual(55);
    // Every line is either sent or counted as dropped (the notes of what was dropped are ours, not the task's).
    expect(dropped + sent.filter((line) => line.startsWith('flood ')).length).toBe(5_000);
    expect(sent.at(-1)).toMatch(/^oz-worker: \d+ log lines dropped \(more than 10 lines\/s\)$/);
  });

  it('cuts batches so no message gets near the frame limit', async () => {
    const log = new PassThrough();
    const { batches, done } = follow(log, {});
    log.end(`${Array.from({ length: 99 }, () => '\u0001'.repeat(8_000)).join('\n')}\n`);
    await done;
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(256 * 1024 + 1024);
    expect(batches.flat()).toHaveLength(99);
  });

  it('gives up when told to, even while held back', async () => {
    const log = new PassThrough();
    const stop = new AbortController();
    const { done } = follow(log, { signal: stop.signal, whenWritable: () => new Promise<void>(() => undefined) });
    await settle();
    log.write(`${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n`);
    stop.abort();
    await expect(done).resolves.toBeUndefined();
  });
});
