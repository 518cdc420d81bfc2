/**
 * `npx nx openapi control-plane`: writes apps/control-plane/openapi.json from the code. Commit the
 * result; `nx test control-plane` fails while the committed file differs from what the code builds.
 */
import { writeFileSync } from 'node:fs';
import { openApiJson } from '@oz/server-kit';
import { buildOpenApiDocument, OPENAPI_FILE } from './openapi-document';

buildOpenApiDocument()
  .then((document) => {
    writeFileSync(OPENAPI_FILE, openApiJson(document));
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
