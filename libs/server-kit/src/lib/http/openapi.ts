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

interface DocumentedResponse {
  content?: Record<string, { schema?: unknown }>;
}
interface DocumentedOperation {
  operationId?: string;
  summary?: string;
  responses?: Record<string, DocumentedResponse>;
}

/**
 * What a document lacks for the clients checked against it, one line per gap: every operation needs an
 * id, a summary, a schema for each success (a 204 has no body) and the error body for each failure.
 */
export function undocumentedOperations(document: OpenAPIObject): string[] {
  const hasSchema = (response?: DocumentedResponse) => Object.values(response?.content ?? {}).some((content) => content.schema !== undefined);
  const problems: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, DocumentedOperation>)) {
      const name = `${method.toUpperCase()} ${path}`;
      const responses = Object.entries(operation.responses ?? {});
      const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
      if (!operation.operationId) problems.push(`${name}: no operationId`);
      if (!operation.summary) problems.push(`${name}: no summary`);
      if (!successes.length || !successes.every(([status, response]) => status === '204' || hasSchema(response))) problems.push(`${name}: no schema for its success`);
      for (const [status, response] of responses) if (!/^2\d\d$/.test(status) && !hasSchema(response)) problems.push(`${name}: no body for ${status}`);
    }
  }
  return problems;
}

/** Null when `committed` is the document as `openApiJson` writes it, else the first line where they part. */
export function openApiDrift(document: OpenAPIObject, committed: string): string | null {
  const built = openApiJson(document);
  if (built === committed) return null;
  const left = built.split('\n');
  const right = committed.split('\n');
  const at = left.findIndex((line, i) => line !== right[i]);
  const line = at < 0 ? left.length : at;
  return `line ${line + 1}: committed ${JSON.stringify(right[line] ?? '(end)')}, built ${JSON.stringify(left[line] ?? '(end)')}`;
}
