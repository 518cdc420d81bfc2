import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { LogLineSplitter } from './log-lines';

const FLUSH_EVERY_MS = 250;
const MAX_BATCH_LINES = 100;

/**
 * Follows a container's stdout and stderr until it exits, handing over its lines in order, in
 * batches: every 250 ms, or sooner once 100 lines are waiting. Settles after the last batch.
 */
export async function followTaskLogs(container: Docker.Container, onLines: (lines: string[]) => void): Promise<void> {
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  const text = new PassThrough();
  container.modem.demuxStream(stream, text, text);
  const splitter = new LogLineSplitter();
  let batch: string[] = [];
  const flush = () => {
    if (batch.length) onLines(batch);
    batch = [];
  };
  const ticker = setInterval(flush, FLUSH_EVERY_MS);
  text.on('data', (chunk: Buffer) => {
    batch.push(...splitter.push(chunk));
    if (batch.length >= MAX_BATCH_LINES) flush();
  });
  try {
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
  } finally {
    clearInterval(ticker);
  }
  batch.push(...splitter.end());
  flush();
}
