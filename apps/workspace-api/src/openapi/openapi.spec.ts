import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiDrift, openApiJson, undocumentedOperations } from '@oz/server-kit';
import { existsSync, readFileSync } from 'node:fs';
import { OPENAPI_FILE, workspaceOpenApiDocument } from './openapi-document';

describe('the committed OpenAPI document (apps/workspace-api/openapi.json)', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await workspaceOpenApiDocument();
  });

  it('is what the code builds', () => {
    const drift = openApiDrift(document, existsSync(OPENAPI_FILE) ? readFileSync(OPENAPI_FILE, 'utf8') : '');
    if (drift) throw new Error(`apps/workspace-api/openapi.json is not what the code builds: run \`npx nx openapi workspace-api\` and commit the file (${drift})`);
  });

  it('comes out the same on every build', async () => {
    expect(openApiJson(await workspaceOpenApiDocument())).toBe(openApiJson(document));
  });

  it('gives every operation an id, a summary, a schema for its success and the error body for each failure', () => {
    expect(undocumentedOperations(document)).toEqual([]);
  });
});
