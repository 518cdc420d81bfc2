import type { OpenAPIObject } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import { openApiJson } from '@oz/server-kit';
import { buildOpenApiDocument, OPENAPI_FILE } from './openapi-document';

interface Response {
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, Response>;
}

const STALE = 'apps/control-plane/openapi.json is not what the code builds: run `npx nx openapi control-plane` and commit the file';

/** The first line where two texts part, for the failure message. */
function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  const at = left.findIndex((line, i) => line !== right[i]);
  const line = at < 0 ? left.length : at;
  return `line ${line + 1}: committed ${JSON.stringify(right[line] ?? '(end)')}, built ${JSON.stringify(left[line] ?? '(end)')}`;
}

describe('the committed OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await buildOpenApiDocument();
  });

  it('is what the code builds', () => {
    const built = openApiJson(document);
    const committed = existsSync(OPENAPI_FILE) ? readFileSync(OPENAPI_FILE, 'utf8') : '';
    if (built !== committed) throw new Error(`${STALE} (${firstDifference(built, committed)})`);
  });

  it('comes out the same on every build', async () => {
    expect(openApiJson(await buildOpenApiDocument())).toBe(openApiJson(document));
  });

  it('gives every operation an id, a success schema, and the error body for each failure it documents', () => {
    const hasSchema = (response?: Response) => Object.values(response?.content ?? {}).some((content) => content.schema !== undefined);
    const problems: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) {
        const name = `${method.toUpperCase()} ${path}`;
        const responses = Object.entries(operation.responses ?? {});
        const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
        if (!operation.operationId) problems.push(`${name}: no operationId`);
        // A 204 has no body to describe.
        if (!successes.length || !successes.every(([status, response]) => status === '204' || hasSchema(response))) problems.push(`${name}: no schema for its success`);
        const failures = responses.filter(([status]) => !/^2\d\d$/.test(status));
        if (!failures.length) problems.push(`${name}: documents no failure`);
        for (const [status, response] of failures) if (!hasSchema(response)) problems.push(`${name}: no body for ${status}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
