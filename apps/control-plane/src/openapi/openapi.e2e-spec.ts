import { readFileSync } from 'node:fs';
import { startControlPlane, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { OPENAPI_FILE } from './openapi-document';

describe('the OpenAPI document the control plane serves', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  it('is the committed openapi.json (run `npx nx openapi control-plane` when it is not)', async () => {
    const served: unknown = await (await cp.request('/api/docs-json', { token: null })).json();
    expect(served).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
  });
});
