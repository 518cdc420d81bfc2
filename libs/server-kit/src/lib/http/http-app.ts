import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyBodyParser, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { ApiException } from '../errors/api-exception';
import { ErrorResponseFilter, fromFastifyError, sendError, toApiException } from '../errors/error-response.filter';
import { openApiDocument, type OpenApiOptions } from './openapi';
import { requestIdFor } from './request-id';
import { createValidationPipe, RequestShapePipe } from './validation';

/**
 * Nest installs Fastify's error handler itself, at init, and turns Fastify's own errors (bad JSON, body
 * too large, wrong Content-Type) into bare HttpExceptions that keep Fastify's message and lose the
 * code. Wrapping the handler Nest installs, rather than setting a second one (which Fastify warns
 * about, FSTWRN004), lets the global filter answer them with our codes and messages.
 */
class OzFastifyAdapter extends FastifyAdapter {
  /** Bodies up to this size are read to their end before a 413 is sent (see drainBody). */
  drainLimitBytes = 0;

  override setErrorHandler(handler: Parameters<FastifyInstance['setErrorHandler']>[0]) {
    const instance = this.getInstance();
    return super.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const mapped = (fromFastifyError(error) ?? error) as FastifyError;
      if (mapped instanceof ApiException && mapped.status === 413) {
        // Nest's handler sends the reply itself, so it may run later, once the client is done sending.
        void drainBody(request.raw, this.drainLimitBytes)
          .then(() => handler.call(instance, mapped, request, reply))
          .catch((failure: unknown) => reply.send(failure));
        return;
      }
      return handler.call(instance, mapped, request, reply);
    });
  }
}

/** How far past OZ_MAX_BODY_BYTES a refused body is still read, so that its sender can read the 413. */
const OVERSIZED_BODY_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Fastify refuses a body over the limit as soon as it knows (from Content-Length, or once the chunks
 * pass it), and the connection is closed after the answer while the client is still sending: its
 * writes fail (EPIPE, ECONNRESET) and Node's fetch, and so the official SDK, never read the 413 (the
 * SDK even retries). Reading the rest of the body first, discarding it, lets the client finish
 * sending and read the answer. Bounded: a body declared larger than `limit` is answered at once, and
 * reading stops after `limit` bytes (the connection is then closed after the answer, as before).
 */
function drainBody(raw: IncomingMessage, limit: number): Promise<void> {
  if (raw.complete || raw.destroyed || Number(raw.headers['content-length']) > limit) return Promise.resolve();
  return new Promise((resolve) => {
    let discarded = 0;
    const done = () => {
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limit) done();
    };
    raw.on('data', onData).once('end', done).once('error', done).once('close', done);
    raw.resume();
  });
}

/**
 * JSON bodies only. An empty body counts as no body even with Content-Type: application/json, which
 * the Python SDK sends on every request, bodiless POSTs such as cancel and pause included.
 */
function jsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => (body.length === 0 ? done(null, undefined) : parseJson(request, body.toString('utf8'), done));
}

/**
 * `text/plain` bodies (UTF-8, handed to the route as a string) for the routes named here only: route
 * URL as registered, global prefix included (`/api/v1/agent/runs/:runId/task/logs`) → its largest
 * body in bytes, which may exceed `maxBodyBytes`. Anywhere else a text body is a 415, as before.
 */
function textBodyParser(routes: Readonly<Record<string, number>>): FastifyBodyParser<Buffer> {
  return (request, body, done) => {
    const limit = routes[request.routeOptions.url ?? ''];
    if (limit === undefined) return done(Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
    if (body.length > limit) return done(Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), undefined);
    done(null, body.toString('utf8'));
  };
}

export interface HttpAppOptions {
  maxBodyBytes: number;
  /** Routes that take `text/plain` bodies, with each one's largest body in bytes (see textBodyParser). */
  textBodyRoutes?: Readonly<Record<string, number>>;
  /** Believe X-Forwarded-For from a proxy in front (request.ip is then the client's address). */
  trustProxy?: boolean;
  /** Title and description of the OpenAPI document, served at `api/docs` (UI) and `api/docs-json`. */
  openApi: OpenApiOptions;
}

/**
 * A Nest app on Fastify with the house conventions every Oz server shares: request ids (caller-supplied
 * when safe) in the `X-Request-Id` header and the logs, pino JSON logs, one structured error body for
 * every failure (Fastify's own included), JSON-only bodies (text/plain only on routes that ask for it) checked before the DTO rules, graceful
 * shutdown on SIGTERM/SIGINT, and the OpenAPI document. `prepare` runs before the document is built
 * (global prefix, adapters, CORS).
 */
export async function createHttpApp(
  rootModule: unknown,
  options: HttpAppOptions,
  prepare: (app: NestFastifyApplication) => void = () => undefined,
): Promise<NestFastifyApplication> {
  const adapter = new OzFastifyAdapter({
    bodyLimit: options.maxBodyBytes,
    trustProxy: options.trustProxy ?? false,
    // One id per request, caller-supplied when safe; kept on the raw request for the HTTP logger too.
    genReqId: (raw: IncomingMessage) => ((raw as IncomingMessage & { id: string }).id = requestIdFor(raw)),
    routerOptions: { ignoreTrailingSlash: true },
    // URLs the router cannot take (bad percent-encoding, an over-long segment) fail before any hook runs.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('X-Request-Id', request.id);
      sendError(reply, request.id, toApiException(error));
    },
  });
  adapter.drainLimitBytes = options.maxBodyBytes + OVERSIZED_BODY_DRAIN_BYTES;
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as never, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // On SIGTERM/SIGINT: close (finish in-flight requests, stop the loops, release the pool), then exit 0,
  // so a clean stop is told apart from a kill. Nest's default re-raises the signal instead (exit 143).
  app.enableShutdownHooks([], { useProcessExit: true });
  app.useGlobalPipes(new RequestShapePipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorResponseFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // Registering a parser here also stops Nest adding its defaults (JSON and forms); with Fastify's
  // text/plain parser gone too, any other Content-Type is a 415.
  app.useBodyParser('application/json', { bodyLimit: options.maxBodyBytes }, jsonBodyParser(fastify));
  fastify.removeContentTypeParser('text/plain');
  const textRoutes = options.textBodyRoutes ?? {};
  if (Object.keys(textRoutes).length) {
    const largest = Math.max(...Object.values(textRoutes));
    fastify.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: largest }, textBodyParser(textRoutes));
  }
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });

  prepare(app);

  const document = openApiDocument(app, options.openApi);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
