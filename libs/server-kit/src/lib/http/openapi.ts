import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiOptions {
  title: string;
  description: string;
  /** Security schemes and the like, added to the document builder. */
  configure?: (builder: DocumentBuilder) => DocumentBuilder;
}

/** The OpenAPI document of an app whose routes are registered (global prefix included). */
export function openApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const builder = new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1');
  return SwaggerModule.createDocument(app, (options.configure?.(builder) ?? builder).build());
}

/**
 * The same document without starting the app: Nest's preview mode reads the module graph and the
 * routes but creates no provider, so no database, Redis or provider is reached. For committing the
 * document and checking it has not drifted.
 */
export async function previewOpenApiDocument(
  rootModule: unknown,
  options: OpenApiOptions,
  prepare: (app: NestFastifyApplication) => void = () => undefined,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as never, new FastifyAdapter(), { preview: true, logger: false });
  try {
    prepare(app);
    return openApiDocument(app, options);
  } finally {
    await app.close();
  }
}

/** A document as committed: keys sorted at every level, two-space indent, final newline, so a diff shows only real changes. */
export function openApiJson(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
