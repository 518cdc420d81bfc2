/**
 * The first regular file of a tar stream (what Docker's archive endpoint returns for one file), at
 * most `maxBytes` of it; null when the archive holds none. Only the ustar basics are needed here.
 */
export async function fileFromTar(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes + 64 * 1024) break;
  }
  const archive = Buffer.concat(chunks);
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return null;
    const length = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = offset + 512;
    if (type === '0' || type === '\0') return archive.subarray(body, body + Math.min(length, maxBytes));
    offset = body + Math.ceil(length / 512) * 512;
  }
  return null;
}
