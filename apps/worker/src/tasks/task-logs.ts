import { MAX_LOG_BATCH_BYTES } from '@oz/contract';
import type Docker from 'dockerode';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { dockerSince, LogLineSplitter, LogRateLimit, splitTimestamp } from './log-lines';

const FLUSH_EVERY_MS = 250;
const MAX_BATCH_LINES = 100;

export interface FollowLogs {
  /** Where the log was read up to before (a restarted worker adopting the task): lines up to it are skipped. */
  since: string | null;
  linesPerSecond: number;
  /** Every line the task printed, rate limit or not (the output's tail is made of them). */
  onLine(line: string): void;
  /** A batch to send, and the cursor where it ends. */
  onBatch(lines: string[], cursor: string | null): void;
  /** Resolves when another batch may be sent: the backpressure of the channel to the control plane. */
  whenWritable(): Promise<void>;
  /** A line dropped by the rate limit (it stays in the container's log). */
  onDropped?(): void;
  /** Stops following (the task was stopped, or the worker is stopping). */
  signal: AbortSignal;
}

/**
 * Follows a container's stdout and stderr until it exits, handing over its lines in order, in batches
 * (every 250 ms, or at 100 lines or MAX_LOG_BATCH_BYTES), each with the cursor where it ends. Lines
 * beyond the rate limit are dropped and counted. After each batch it stops reading until the channel
 * can take more, so a flood waits in Docker's rotated log files, not in memory here or in the control
 * plane. Settles after the last batch, or when `signal` aborts.
 */
export async function followTaskLogs(container: Docker.Container, options: FollowLogs): Promise<void> {
  const { since, signal } = options;
  if (signal.aborted) return;
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(since ? { since: dockerSince(since) as unknown as number } : {}),
  })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
  const text = new PassThrough();
  container.modem.demuxStream(stream, text, text);
  const splitter = new LogLineSplitter();
  const rate = new LogRateLimit(options.linesPerSecond);
  let batch: string[] = [];
  let batchBytes = 0;
  let cursor: string | null = since;

  const flush = () => {
    if (batch.length) {
      options.onBatch(batch, cursor);
      // Hold the log back until the channel can take more.
      stream.pause();
      void options.whenWritable().then(() => stream.resume());
    }
    batch = [];
    batchBytes = 0;
  };
  const add = (line: string) => {
    const bytes = Buffer.byteLength(JSON.stringify(line));
    if (batchBytes + bytes > MAX_LOG_BATCH_BYTES) flush();
    batch.push(line);
    batchBytes += bytes;
    if (batch.length >= MAX_BATCH_LINES) flush();
  };
  const take = (lines: string[]) => {
    for (const raw of lines) {
      const { cursor: at, text: line } = splitTimestamp(raw);
      if (at !== null && since !== null && at <= since) continue; // sent before the worker restarted
      if (at !== null) cursor = at;
      options.onLine(line);
      const admitted = rate.admit(line);
      if (admitted.length === 0) options.onDropped?.();
      for (const sent of admitted) add(sent);
    }
  };

  const ticker = setInterval(flush, FLUSH_EVERY_MS);
  text.on('data', (chunk: Buffer) => take(splitter.push(chunk)));
  try {
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(ticker);
    stream.destroy?.();
  }
  if (signal.aborted) return;
  // Whatever the demuxer already wrote is still to be read.
  if (!text.writableEnded) text.end();
  if (!text.readableEnded) await once(text, 'end');
  take(splitter.end());
  const note = rate.pendingNote();
  if (note) add(note);
  flush();
}
