import { MAX_TASK_OUTPUT_CHARS, TASK_OUTPUT_PATH } from '@oz/contract';
import type Docker from 'dockerode';
import { fileFromTar } from './tar';

/**
 * The agent's output file, copied out of the (exited) task container: at most MAX_TASK_OUTPUT_CHARS
 * bytes of it, which never decode to more characters. Null when the agent wrote none.
 */
export async function readOutputFile(container: Docker.Container): Promise<string | null> {
  try {
    const archive = (await container.getArchive({ path: TASK_OUTPUT_PATH })) as unknown as AsyncIterable<Buffer>;
    const file = await fileFromTar(archive, MAX_TASK_OUTPUT_CHARS);
    return file === null ? null : outputText(file);
  } catch {
    return null; // no output file: the log's tail stands in
  }
}

/**
 * The file as text without trailing whitespace. trimEnd, not a `\s+$` regex: that backtracks
 * quadratically over a long run of whitespace inside the text, which a task could use to stall the
 * worker's event loop for hours.
 */
export function outputText(file: Buffer): string {
  return file.toString('utf8').trimEnd();
}
