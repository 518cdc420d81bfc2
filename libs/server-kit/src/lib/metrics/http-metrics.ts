import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Histogram, type Registry } from 'prom-client';
import { ApiException } from '../errors/api-exception';
import { sendError } from '../errors/error-response.filter';
import { METRICS_REFUSAL, MetricsAccess, metricsExposition } from './metrics-registry';

export const METRICS_PATH = '/metrics';

/** The route label of a request no route matched (a 404, or a URL the router could not read). */
export const UNMATCHED_ROUTE = '(unmatched)';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Route labels set by code that answers a request outside the router (the workspace's dashboard files). */
const assignedRoutes = new WeakMap<IncomingMessage, string>();

/**
 * Names the route of a request that no route of the router answers, for its metrics: a fixed label
 * (`(dashboard)`), never the URL, so that the label's values stay few whatever clients ask for.
 */
export function labelRoute(request: FastifyRequest, route: string): void {
  assignedRoutes.set(request.raw, route);
}

export interface MetricsEndpointOptions {
  registry: Registry;
  /** OZ_METRICS_TOKEN: when set, GET /metrics needs it as a bearer token. */
  token: string | null;
}

/**
 * What both servers expose to Prometheus: `GET /metrics` on the API's own port (outside `/api`, no
 * session or API key: OZ_METRICS_TOKEN protects it when set), and `http_request_duration_seconds`
 * for every request the server answers, labelled by method, route pattern (`/api/v1/agent/runs/:runId`,
 * never the URL, so ids do not multiply the series) and status code. A stream (SSE) counts once it
 * ends, with its whole lifetime as its duration.
 */
export function serveMetrics(app: NestFastifyApplication, options: MetricsEndpointOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template (e.g. /api/v1/agent/runs/:runId) and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [options.registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        route: request.routeOptions.url ?? assignedRoutes.get(request.raw) ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const access = new MetricsAccess(options.token);
  fastify.get(METRICS_PATH, async (request, reply) => {
    if (!access.allows(request.headers.authorization)) {
      void reply.header('WWW-Authenticate', METRICS_REFUSAL.challenge);
      sendError(reply, request.id, new ApiException(METRICS_REFUSAL.status, METRICS_REFUSAL.code, METRICS_REFUSAL.message));
      return reply;
    }
    const { contentType, body } = await metricsExposition(options.registry);
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  });
}
