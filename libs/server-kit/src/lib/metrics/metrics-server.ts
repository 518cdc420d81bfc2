import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { METRICS_REFUSAL, MetricsAccess, metricsExposition } from './metrics-registry';

export interface MetricsServerOptions {
  registry: Registry;
  /** OZ_METRICS_TOKEN: when set, GET /metrics needs it as a bearer token. */
  token: string | null;
  host: string;
  /** 0: a port the system picks (tests). */
  port: number;
}

export interface MetricsServer {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on a port of its own, for a process that serves no HTTP otherwise (the worker). The
 * same answers as the servers' endpoint: the exposition, or 401 without the token when one is set;
 * 404 for any other path, 405 for any other method. Rejects when the port cannot be bound.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const access = new MetricsAccess(options.token);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: GET /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    if (!access.allows(request.headers.authorization)) {
      response
        .writeHead(METRICS_REFUSAL.status, { 'WWW-Authenticate': METRICS_REFUSAL.challenge, 'Content-Type': 'application/json; charset=utf-8' })
        .end(JSON.stringify({ status: METRICS_REFUSAL.status, code: METRICS_REFUSAL.code, message: METRICS_REFUSAL.message }));
      return;
    }
    metricsExposition(options.registry).then(
      ({ contentType, body }) => response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body),
      () => response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  // Scrapes are short; an idle keep-alive connection must not hold up a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
