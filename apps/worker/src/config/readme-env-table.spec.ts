import { variablesMarkdownTable } from '@oz/server-kit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerEnv } from './worker-env';

describe('README environment-variable table', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    const table = readme.split('<!-- env:worker:start -->')[1]?.split('<!-- env:worker:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(WorkerEnv));
  });
});
