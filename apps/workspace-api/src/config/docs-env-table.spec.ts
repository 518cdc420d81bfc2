import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceEnv } from './workspace.config';
import { variablesMarkdownTable } from '@oz/server-kit';

describe('the environment-variable table in docs/workspace.md', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const page = readFileSync(join(__dirname, '../../../../docs/workspace.md'), 'utf8');
    const table = page.split('<!-- env:workspace-api:start -->')[1]?.split('<!-- env:workspace-api:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(WorkspaceEnv));
  });
});
