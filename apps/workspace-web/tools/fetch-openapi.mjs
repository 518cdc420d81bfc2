// Refreshes src/testing/workspace-api.openapi.json from a running workspace API, for the unit test that
// checks the dashboard's routes against it (used until apps/workspace-api/openapi.json is committed).
// Usage: node apps/workspace-web/tools/fetch-openapi.mjs http://127.0.0.1:3000
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const base = (process.argv[2] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const response = await fetch(`${base}/api/docs-json`);
if (!response.ok) throw new Error(`${base}/api/docs-json answered ${response.status}`);
const document = await response.json();
const target = join(import.meta.dirname, '../src/testing/workspace-api.openapi.json');
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${target} (${Object.keys(document.paths).length} paths)`);
