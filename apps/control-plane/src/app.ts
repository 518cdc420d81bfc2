import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyBodyParser, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { ControlPlaneModule } from './app.module';
import type { ControlPlaneConfig } from './config/control-plane.config';
import { runMigrations } from './database/migrate';
import { ErrorResponseFilter, fromFastifyError, sendError, toApiException } from './common/errors/error-response.filter';
import { requestIdFor } from './common/http/request-id';
import { SecretBox } from './common/secrets/secret-box';
import { createValidationPipe, RequestShapePipe } from './common/http/validation';
import { WorkerUpgradeAuth } from './workers/worker-upgrade-auth';
import { WorkerWsAdapter } from './workers/worker-ws.adapter';

/** Headers the official SDK sends, which a browser client needs CORS to allow. */
const SDK_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'X-Request-Id',
  'X-Stainless-Retry-Count',
  'X-Stainless-Timeout',
  'X-Stainless-Lang',
  'X-Stainless-Package-Version',
  'X-Stainless-OS',
  'X-Stainless-Arch',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Async',
];

/**
 * Nest installs Fastify's error handler itself, at init, and turns Fastify's own errors (bad JSON, body
 * too large, wrong Content-Type) into bare HttpExceptions that keep Fastify's message and lose the
 * code. Wrapping the handler Nest installs, rather than setting a second one (which Fastify warns
 * about, FSTWRN004), lets the global filter answer them with our codes and messages.
 */
class ControlPlaneFastifyAdapter extends FastifyAdapter {
  override setErrorHandler(handler: Parameters<FastifyInstance['setErrorHandler']>[0]) {
    const instance = this.getInstance();
    return super.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      handler.call(instance, (fromFastifyError(error) ?? error) as FastifyError, request, reply),
    );
  }
}

/**
 * JSON bodies only. An empty body counts as no body even with Content-Type: application/json, which
 * the Python SDK sends on every request, bodiless POSTs such as cancel and pause included.
 */
function jsonBodyParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => (body.length === 0 ? done(null, undefined) : parseJson(request, body.toString('utf8'), done));
}

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createControlPlaneApp(config: ControlPlaneConfig): Promise<NestFastifyApplication> {
  const adapter = new ControlPlaneFastifyAdapter({
    bodyLimit: config.maxBodyBytes,
    // One id per request, caller-supplied when safe; kept on the raw request for the HTTP logger too.
    genReqId: (raw: IncomingMessage) => ((raw as IncomingMessage & { id: string }).id = requestIdFor(raw)),
    routerOptions: { ignoreTrailingSlash: true },
    // URLs the router cannot take (bad percent-encoding, an over-long segment) fail before any hook runs.
    frameworkErrors: (error, request, reply) => {
      void reply.header('X-Request-Id', request.id);
      sendError(reply, request.id, toApiException(error));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ControlPlaneModule.with(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // On SIGTERM/SIGINT: close (finish in-flight requests, stop the loops, release the pool), then exit 0,
  // so a clean stop is told apart from a kill. Nest's default re-raises the signal instead (exit 143).
  app.enableShutdownHooks([], { useProcessExit: true });
  app.setGlobalPrefix('api/v1', { exclude: [{ path: 'health', method: RequestMethod.GET }] });
  app.useGlobalPipes(new RequestShapePipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorResponseFilter());
  app.useWebSocketAdapter(new WorkerWsAdapter(app, new WorkerUpgradeAuth(config)));

  const fastify = app.getHttpAdapter().getInstance();
  // Registering a parser here also stops Nest adding its defaults (JSON and forms); with Fastify's
  // text/plain parser gone too, any other Content-Type is a 415.
  app.useBodyParser('application/json', { bodyLimit: config.maxBodyBytes }, jsonBodyParser(fastify));
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });

  if (config.corsOrigins) {
    app.enableCors({
      origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: SDK_HEADERS,
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
      maxAge: 600,
    });
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Oz Stack control plane')
      .setDescription('Oz-compatible API: runs, environments, schedules. Authenticate with a bearer token.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  try {
    if (config.migrateOnStart) await runMigrations(app.get(DataSource));
    await app.get(SecretBox).verifyKey(app.get(DataSource));
  } catch (error) {
    await app.close(); // release the pool, or a failed start would keep the process alive
    throw error;
  }
  return app;
}
