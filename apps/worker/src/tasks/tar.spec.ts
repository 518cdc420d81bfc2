import { fileFromTar } from './tar';

/** One ustar entry: a 512-byte header and the body padded to 512 bytes. */
function entry(name: string, body: string | Buffer, type = '0'): Buffer {
  const content = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(512);
  header.write(name, 0, 'ascii');
  header.write('0000644\0', 100, 'ascii');
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write(type, 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  return Buffer.concat([header, content, Buffer.alloc((512 - (content.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

async function* chunks(archive: Buffer, size = 100): AsyncIterable<Buffer> {
  for (let at = 0; at < archive.length; at += size) yield archive.subarray(at, at + size);
}

describe('reading the output file out of a tar stream', () => {
  it('returns the first regular file, whatever the chunking', async () => {
    const archive = Buffer.concat([entry('agent_output.txt', 'hello\nworld\n'), END]);
    expect((await fileFromTar(chunks(archive, 7), 1_000))?.toString()).toBe('hello\nworld\n');
    expect((await fileFromTar(chunks(archive, 4_096), 1_000))?.toString()).toBe('hello\nworld\n');
  });

  it('skips pax headers and directories before the file', async () => {
    const archive = Buffer.concat([entry('PaxHeaders/x', '30 path=a-very-long-name.txt\n', 'x'), entry('dir/', '', '5'), entry('a-very-long-name.txt', 'body'), END]);
    expect((await fileFromTar(chunks(archive), 1_000))?.toString()).toBe('body');
  });

  it('reads a file of several blocks', async () => {
    const body = Buffer.from('0123456789'.repeat(200));
    expect(await fileFromTar(chunks(Buffer.concat([entry('big', body), END])), 10_000)).toEqual(body);
  });

  it('returns at most maxBytes of the file', async () => {
    const archive = Buffer.concat([entry('big', 'z'.repeat(300_000)), END]);
    const file = await fileFromTar(chunks(archive, 16_384), 1_000);
    expect(file?.toString()).toBe('z'.repeat(1_000));
  });

  it('returns null for an archive without a regular file', async () => {
    expect(await fileFromTar(chunks(Buffer.concat([entry('link', '', '2'), END])), 1_000)).toBeNull();
    expect(await fileFromTar(chunks(END), 1_000)).toBeNull();
    expect(await fileFromTar(chunks(Buffer.alloc(0)), 1_000)).toBeNull();
  });
});
