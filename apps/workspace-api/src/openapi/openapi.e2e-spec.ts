import { readFileSync } from 'node:fs';
import { closeAll, startWorkspace, type WorkspaceHarness } from '../testing/workspace-harness';
import { OPENAPI_FILE } from './openapi-document';

describe('the OpenAPI document the workspace API serves', () => {
  let ws: WorkspaceHarness;
  beforeAll(async () => {
    ws = await startWorkspace();
  });
  afterAll(() => closeAll([ws], ws?.database));

  it('is the committed openapi.json (run `npx nx openapi workspace-api` when it is not)', async () => {
    const served = await ws.request('GET', '/api/docs-json');
    expect(served.body).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
  });
});
