import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlaneEnv } from './control-plane.config';
import { variablesMarkdownTable } from '@oz/server-kit';

describe('the environment-variable table in docs/control-plane.md', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const page = readFileSync(join(__dirname, '../../../../docs/control-plane.md'), 'utf8');
    const table = page.split('<!-- env:control-plane:start -->')[1]?.split('<!-- env:control-plane:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(ControlPlaneEnv));
  });
});
