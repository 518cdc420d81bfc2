import { variablesMarkdownTable } from '@oz/server-kit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerEnv } from './worker-env';

describe('the environment-variable table in docs/workers.md', () => {
  it('matches the config class (run `npm run docs:env` after adding a variable)', () => {
    const page = readFileSync(join(__dirname, '../../../../docs/workers.md'), 'utf8');
    const table = page.split('<!-- env:worker:start -->')[1]?.split('<!-- env:worker:end -->')[0];
    expect(table?.trim()).toBe(variablesMarkdownTable(WorkerEnv));
  });
});
