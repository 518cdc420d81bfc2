import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlaneEnv } from './control-plane.config';
import { variablesMarkdownTable } from '@oz/server-kit';

describe('README environment-variable table', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    const table = readme.split('<!-- env:control-plane:start -->')[1]?.split('<!-- env:control-plane:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(ControlPlaneEnv));
  });
});
