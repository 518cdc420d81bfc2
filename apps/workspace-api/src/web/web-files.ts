import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Content types by extension: what an Angular build holds, and the usual extras of a `public/` folder. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

/** Worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.webmanifest', '.txt', '.svg']);
const MIN_COMPRESS_BYTES = 1024;

/**
 * Names Angular gives its bundles (`main-T7KFNEDA.js`, `chunk-rfh8G4-7.js`, `styles-STCOFKOI.css`,
 * `media/font-AB12CD34.woff2`): a new build never reuses one for other content, so browsers may keep
 * them for good.
 */
const HASHED_NAME = /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

/** Requests for these that match no file are 404s, not the app: a missing bundle must not come back as HTML. */
export const ASSET_EXTENSIONS = new Set(Object.keys(CONTENT_TYPES).filter((ext) => ext !== '.html'));

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export type Encoding = 'br' | 'gzip' | 'identity';

/** One file of the build, read once at start-up; compressed variants are made on first request. */
export class WebFile {
  readonly etag: string;
  private readonly variants = new Map<Exclude<Encoding, 'identity'>, Promise<Buffer>>();

  constructor(
    /** URL path, `/` separated, starting with `/`. */
    readonly path: string,
    readonly body: Buffer,
    readonly contentType: string,
    readonly cacheControl: string,
    readonly compressible: boolean,
  ) {
    this.etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  }

  /** The body in `encoding`; compressed once and kept. */
  encoded(encoding: Encoding): Promise<Buffer> {
    if (encoding === 'identity' || !this.compressible) return Promise.resolve(this.body);
    let variant = this.variants.get(encoding);
    if (!variant) {
      variant =
        encoding === 'br'
          ? brotliAsync(this.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: this.body.length } })
          : gzipAsync(this.body, { level: 9 });
      this.variants.set(encoding, variant);
    }
    return variant;
  }
}

/**
 * The built dashboard, as a fixed set of files read at start-up. Requests are answered only from
 * this index, so nothing outside the folder can be reached (no `..`, no symbolic links followed, no
 * file added later) and a folder is never listed.
 */
export class WebFiles {
  private constructor(
    private readonly files: ReadonlyMap<string, WebFile>,
    readonly index: WebFile,
  ) {}

  static async load(dir: string): Promise<WebFiles> {
    const files = new Map<string, WebFile>();
    for (const absolute of await regularFilesUnder(dir)) {
      const path = `/${relative(dir, absolute).split(sep).join('/')}`;
      const ext = extname(path).toLowerCase();
      const cacheControl = path !== '/index.html' && HASHED_NAME.test(path) ? IMMUTABLE : REVALIDATE;
      const body = await readFile(absolute);
      files.set(path, new WebFile(path, body, CONTENT_TYPES[ext] ?? 'application/octet-stream', cacheControl, COMPRESSIBLE.has(ext) && body.length >= MIN_COMPRESS_BYTES));
    }
    const index = files.get('/index.html');
    if (!index) throw new Error(`${dir} holds no index.html: it is not a built dashboard`);
    return new WebFiles(files, index);
  }

  get size(): number {
    return this.files.size;
  }

  /**
   * What a GET of `path` (already percent-decoded, no query) answers: a file of the build, the app's
   * index.html for any other path (deep links such as `/rooms/:id`), or nothing for a missing asset.
   */
  resolve(path: string): WebFile | null {
    const file = this.files.get(path === '/' ? '/index.html' : path);
    if (file) return file;
    return ASSET_EXTENSIONS.has(extname(path).toLowerCase()) ? null : this.index;
  }
}

/** Every regular file under `dir`; symbolic links (to files or folders) are skipped, never followed. */
async function regularFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await regularFilesUnder(absolute)));
    else if (entry.isFile() && (await lstat(absolute)).isFile()) found.push(absolute);
  }
  return found.sort();
}

/** The encoding to send: Brotli, else gzip, when the client accepts it (q > 0). */
export function preferredEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && !(Number(q.slice(2)) > 0)) continue;
    accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}
