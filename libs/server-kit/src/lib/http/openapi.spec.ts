import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { ApiErrorResponses } from '../errors/error-body.dto';
import { openApiDrift, openApiJson, previewOpenApiDocument, undocumentedOperations } from './openapi';

class PingDto {
  @ApiProperty() pong!: boolean;
}

/** Would fail the app at start-up: preview mode must never create it. */
@Injectable()
class Unreachable {
  constructor() {
    throw new Error('created a provider in preview mode');
  }
}

@Controller('ping')
class PingController {
  constructor(readonly unreachable: Unreachable) {}

  @Get()
  @ApiOkResponse({ type: PingDto })
  @ApiErrorResponses(503)
  ping(): PingDto {
    return { pong: true };
  }
}

@Module({ controllers: [PingController], providers: [Unreachable] })
class PingModule {}

describe('previewOpenApiDocument', () => {
  it('documents the routes without creating any provider', async () => {
    const document = await previewOpenApiDocument(PingModule, { title: 'Ping', description: 'd' }, (app) => app.setGlobalPrefix('api'));
    expect(document.info).toMatchObject({ title: 'Ping', version: '1' });
    expect(Object.keys(document.paths)).toEqual(['/api/ping']);
    const responses = document.paths['/api/ping']?.get?.responses;
    expect(responses?.['200']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/PingDto' } } } });
    expect(responses?.['503']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' } } } });
  });
});

describe('openApiJson', () => {
  it('sorts keys at every level, keeps array order, and ends with a newline', () => {
    const json = openApiJson({ paths: { '/b': {}, '/a': { get: { tags: ['z', 'a'] } } }, openapi: '3.0.0' } as never);
    expect(json).toBe('{\n  "openapi": "3.0.0",\n  "paths": {\n    "/a": {\n      "get": {\n        "tags": [\n          "z",\n          "a"\n        ]\n      }\n    },\n    "/b": {}\n  }\n}\n');
  });
});

describe('undocumentedOperations', () => {
  it('names each operation without an id, a summary, a success schema or an error body', async () => {
    const document = await previewOpenApiDocument(PingModule, { title: 'Ping', description: 'd' });
    expect(undocumentedOperations(document)).toEqual(['GET /ping: no summary']); // Nest names operations itself
    const bare = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/x': { delete: { operationId: 'x', summary: 's', responses: { '204': {}, '404': {} } } } } };
    expect(undocumentedOperations(bare as never)).toEqual(['DELETE /x: no body for 404']);
  });
});

describe('openApiDrift', () => {
  it('is null for the committed text of the same document, else says where they part', () => {
    const document = { openapi: '3.0.0', paths: { '/a': {} } } as never;
    expect(openApiDrift(document, openApiJson(document))).toBeNull();
    expect(openApiDrift(document, '{\n  "openapi": "3.1.0"\n}\n')).toBe('line 2: committed "  \\"openapi\\": \\"3.1.0\\"", built "  \\"openapi\\": \\"3.0.0\\","');
  });
});
