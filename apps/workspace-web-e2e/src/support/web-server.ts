import { createReadStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Until the workspace API serves the dashboard itself (phase 2, `OZ_WEB_DIR`), this stands in for
 * it: the built SPA's files, `index.html` for every other path (deep links), and `/api` proxied to
 * the API unbuffered (SSE streams through).
 */
export async function startWebServer(options: { root: string; apiUrl: string; port?: number }): Promise<WebServer> {
  const root = resolve(options.root);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root}/index.html is missing: build the dashboard first (npx nx build workspace-web)`);
  const api = new URL(options.apiUrl);
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://web').pathname);
    if (path === '/api' || path.startsWith('/api/') || path === '/health') return proxy(req, res, api);
    serveFile(root, path, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function serveFile(root: string, path: string, res: ServerResponse): void {
  const candidate = normalize(join(root, path));
  const inside = candidate.startsWith(root);
  const file = inside && existsSync(candidate) && statSync(candidate).isFile() ? candidate : join(root, 'index.html');
  const isIndex = file.endsWith('index.html');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    // Hashed bundles may be cached for good; index.html never (it names the current bundles).
    'Cache-Control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}

function proxy(req: IncomingMessage, res: ServerResponse, api: URL): void {
  const upstream = request(
    { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: { ...req.headers, host: api.host } },
    (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 502, code: 'bad_gateway', message: `The workspace API did not answer: ${error.message}` }));
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
