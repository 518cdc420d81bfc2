import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { ControlPlaneModule } from './app.module';
import type { ControlPlaneConfig } from './config/control-plane.config';
import { runMigrations } from './database/migrate';
import { ErrorResponseFilter, sendError, toApiException } from './common/errors/error-response.filter';
import { requestIdFor } from './common/http/request-id';
import { createValidationPipe, JsonObjectBodyPipe } from './common/http/validation';

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

/** Builds the fully configured app (not yet listening); main.ts and the tests share it. */
export async function createControlPlaneApp(config: ControlPlaneConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxBodyBytes,
    // One id per request, caller-supplied when safe; kept on the raw request for the HTTP logger too.
    genReqId: (raw: IncomingMessage) => ((raw as IncomingMessage & { id: string }).id = requestIdFor(raw)),
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ControlPlaneModule.with(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.setGlobalPrefix('api/v1', { exclude: [{ path: 'health', method: RequestMethod.GET }] });
  app.useGlobalPipes(new JsonObjectBodyPipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorResponseFilter());

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // Errors Fastify raises before a route runs (bad JSON, body too large) get the same body as the rest.
  fastify.setErrorHandler((error: FastifyError, request, reply) => sendError(reply, request.id, toApiException(error)));

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

  if (config.migrateOnStart) await runMigrations(app.get(DataSource));
  return app;
}
