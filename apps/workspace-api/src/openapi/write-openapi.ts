/**
 * `npx nx openapi workspace-api`: writes apps/workspace-api/openapi.json from the code. Commit the
 * result; `nx test workspace-api` fails while the committed file differs from what the code builds.
 */
import { openApiJson } from '@oz/server-kit';
import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, workspaceOpenApiDocument } from './openapi-document';

workspaceOpenApiDocument()
  .then((document) => writeFileSync(OPENAPI_FILE, openApiJson(document)))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
