import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadWorkspaceConfig } from '../config/workspace.config';
import { closeAll, startWorkspace, type WorkspaceHarness } from '../testing/workspace-harness';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path exactly as written (fetch would normalise `..` away) and no automatic decompression. */
function raw(origin: string, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The dashboard served by the workspace API itself (OZ_WEB_DIR), from a folder shaped like an Angular build. */
describe('the dashboard, served at / by the workspace API', () => {
  const INDEX = '<!doctype html><html><body><oz-root>Oz Stack test build</oz-root><script src="main-AB12CD34.js" type="module"></script></body></html>';
  const MAIN = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
  let dir: string;
  let outside: string;
  let ws: WorkspaceHarness;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oz-web-'));
    outside = mkdtempSync(join(tmpdir(), 'oz-web-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET OUTSIDE THE BUILD');
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'main-AB12CD34.js'), MAIN);
    writeFileSync(join(dir, 'chunk-rfh8G4-7.js'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'styles-STCOFKOI.css'), 'body{color:red}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    mkdirSync(join(dir, 'media'));
    writeFileSync(join(dir, 'media', 'font-XY98ZW76.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'linked-secret.txt'));
    symlinkSync(outside, join(dir, 'linked-folder'));
    ws = await startWorkspace({ OZ_WEB_DIR: dir });
  });

  afterAll(async () => {
    await closeAll([ws], ws?.database);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('answers / with index.html, revalidated on every visit', async () => {
    const response = await raw(ws.origin, 'GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['etag']).toMatch(/^".+"$/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toBeDefined();
    expect(response.body.toString()).toBe(INDEX);
  });

  it('answers the app\'s own URLs (deep links) with index.html', async () => {
    for (const path of ['/rooms/0b7c3a52-5f55-4a8e-9f0e-1c2d3e4f5a6b', '/runs/0b7c3a52-5f55-4a8e-9f0e-1c2d3e4f5a6b?x=1', '/login', '/settings/', '/index.html']) {
      const response = await raw(ws.origin, 'GET', path);
      expect({ path, status: response.status, type: response.headers['content-type'], body: response.body.toString() }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
        body: INDEX,
      });
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed bundles with their content types, cached for good', async () => {
    const cases: [string, string, string][] = [
      ['/main-AB12CD34.js', 'text/javascript; charset=utf-8', MAIN],
      ['/chunk-rfh8G4-7.js', 'text/javascript; charset=utf-8', 'export const a = 1;\n'],
      ['/styles-STCOFKOI.css', 'text/css; charset=utf-8', 'body{color:red}'],
      ['/media/font-XY98ZW76.woff2', 'font/woff2', 'wOF2'],
    ];
    for (const [path, type, body] of cases) {
      const response = await raw(ws.origin, 'GET', path);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe(type);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.body.toString()).toBe(body);
    }
    const favicon = await raw(ws.origin, 'GET', '/favicon.svg');
    expect(favicon.headers['content-type']).toBe('image/svg+xml');
    expect(favicon.headers['cache-control']).toBe('no-cache');
  });

  it('sends text compressed when the browser accepts it, Brotli first', async () => {
    const gz = await raw(ws.origin, 'GET', '/main-AB12CD34.js', { 'accept-encoding': 'gzip, deflate' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['vary']).toBe('Accept-Encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(MAIN.length / 4);
    expect(gunzipSync(gz.body).toString()).toBe(MAIN);

    const br = await raw(ws.origin, 'GET', '/main-AB12CD34.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(MAIN);

    const refused = await raw(ws.origin, 'GET', '/main-AB12CD34.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString()).toBe(MAIN);
  });

  it('answers a matching If-None-Match with 304, and HEAD with the headers alone', async () => {
    const first = await raw(ws.origin, 'GET', '/');
    const again = await raw(ws.origin, 'GET', '/', { 'if-none-match': String(first.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const head = await raw(ws.origin, 'HEAD', '/main-AB12CD34.js');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(MAIN));
    expect(head.body.length).toBe(0);
  });

  it('keeps /api JSON: an unknown API route is a JSON 404, never the app', async () => {
    for (const path of ['/api/no-such-route', '/api', '/api/rooms/x/nothing']) {
      const response = await raw(ws.origin, 'GET', path);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain('application/json');
      expect(JSON.parse(response.body.toString())).toMatchObject({ status: 404, code: expect.any(String) });
    }
    expect((await ws.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await ws.request('GET', '/health')).body).toMatchObject({ status: 'ok' });
  });

  it('answers a missing bundle with a 404, not with HTML a browser would try to run', async () => {
    const response = await raw(ws.origin, 'GET', '/chunk-GONE1234.js');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body.toString()).not.toContain('<html');
  });

  it('never reaches outside the build: no .. paths, no symbolic links, no folder listings', async () => {
    const attempts = [
      '/../package.json',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/media/..%2f..%2findex.html',
      '/linked-secret.txt',
      '/linked-folder/secret.txt',
      '/media',
      '/media/',
      '//etc/passwd',
    ];
    for (const path of attempts) {
      const response = await raw(ws.origin, 'GET', path);
      const body = response.body.toString();
      expect({ path, leaked: body.includes('TOP SECRET') || body.includes('root:') || body.includes('"name"') || body.includes('font-XY98ZW76') }).toEqual({ path, leaked: false });
      expect([200, 400, 404]).toContain(response.status);
      if (response.status === 200) expect(body).toBe(INDEX);
    }
  });

  it('leaves other methods to the API', async () => {
    const response = await raw(ws.origin, 'POST', '/rooms');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
  });

  it('refuses to start with an OZ_WEB_DIR that holds something else than a build; an empty one means the API alone', () => {
    expect(() => loadWorkspaceConfig({ DATABASE_URL: 'postgres://x@localhost/db', OZ_WEB_DIR: outside })).toThrow(/OZ_WEB_DIR must be a folder holding the built dashboard/);
    expect(() => loadWorkspaceConfig({ DATABASE_URL: 'postgres://x@localhost/db', OZ_WEB_DIR: join(outside, 'no-such-folder') })).toThrow(/OZ_WEB_DIR/);
    const empty = mkdtempSync(join(tmpdir(), 'oz-web-empty-'));
    try {
      expect(loadWorkspaceConfig({ DATABASE_URL: 'postgres://x@localhost/db', OZ_WEB_DIR: empty }).web.dir).toBeNull();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('a workspace API without a dashboard', () => {
  let ws: WorkspaceHarness;

  beforeAll(async () => {
    ws = await startWorkspace();
  });

  afterAll(() => closeAll([ws], ws?.database));

  it('serves the API only: / is a JSON 404', async () => {
    expect(ws.config.web.dir).toBeNull();
    const response = await raw(ws.origin, 'GET', '/');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
  });
});
