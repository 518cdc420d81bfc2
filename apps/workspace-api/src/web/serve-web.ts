import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { labelRoute, METRICS_PATH } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { preferredEncoding, REVALIDATE, type WebFile, type WebFiles } from './web-files';

/** Paths the API keeps: JSON under /api (an unknown route there is a JSON 404), the health check and the metrics. */
function belongsToApi(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/health' || path === '/health/' || path === METRICS_PATH;
}

/**
 * Serves the built dashboard at `/` from the same server as the API. A hook answers GET and HEAD
 * requests outside `/api` and `/health` before routing: a file of the build, or index.html for any
 * other path (the app's own URLs, `/rooms/:roomId`, `/runs/:runId`…), so deep links and reloads work.
 * Everything else reaches the API's routes as before.
 */
export function serveWeb(app: NestFastifyApplication, files: WebFiles): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = decodedPath(request.url);
      if (path === null || belongsToApi(path)) return;
      // One label for every file and app URL of the dashboard: its paths are not routes.
      labelRoute(request, '(dashboard)');
      const file = files.resolve(path);
      if (!file) {
        sendMissing(reply);
        return reply;
      }
      await sendFile(request, reply, file);
      return reply;
    });
}

/** The URL's path, percent-decoded; null when it cannot be (the router then answers it). */
function decodedPath(url: string): string | null {
  const raw = url.split('?', 1)[0].split('#', 1)[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

async function sendFile(request: FastifyRequest, reply: FastifyReply, file: WebFile): Promise<void> {
  void reply
    .header('Cache-Control', file.cacheControl)
    .header('ETag', file.etag)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin');
  if (file.compressible) void reply.header('Vary', 'Accept-Encoding');
  // The page is index.html (also the answer for every app URL); other sites may not frame it.
  if (file.path === '/index.html') void reply.header('X-Frame-Options', 'SAMEORIGIN');
  if (matchesEtag(request.headers['if-none-match'], file.etag)) {
    void reply.code(304).send();
    return;
  }
  const encoding = file.compressible ? preferredEncoding(request.headers['accept-encoding']) : 'identity';
  const body = await file.encoded(encoding);
  if (encoding !== 'identity') void reply.header('Content-Encoding', encoding);
  void reply.code(200).header('Content-Type', file.contentType).header('Content-Length', String(body.length));
  // A HEAD answer has the GET's headers and no body (Node leaves the body out for HEAD requests).
  void reply.send(body);
}

function sendMissing(reply: FastifyReply): void {
  void reply
    .code(404)
    .header('Cache-Control', REVALIDATE)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Type', 'text/plain; charset=utf-8')
    .send('Not found');
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
