import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceEnv } from './workspace.config';
import { variablesMarkdownTable } from '@oz/server-kit';

describe('README environment-variable table', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    const table = readme.split('<!-- env:workspace-api:start -->')[1]?.split('<!-- env:workspace-api:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(WorkspaceEnv));
  });
});
