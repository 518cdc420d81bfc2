/**
 * Prints the environment-variable tables of the apps from their config classes, or with --write
 * refreshes them in their pages of docs/ between each app's env markers. Tests keep the pages in step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { variablesMarkdownTable } from '@oz/server-kit';
import { ControlPlaneEnv } from '../../apps/control-plane/src/config/control-plane.config';
import { WorkerEnv } from '../../apps/worker/src/config/worker-env';
import { WorkspaceEnv } from '../../apps/workspace-api/src/config/workspace.config';

/** Each app's page in docs/ and the config class its table describes. */
const TABLES: Record<string, { page: string; configClass: new () => object }> = {
  'control-plane': { page: 'control-plane.md', configClass: ControlPlaneEnv },
  worker: { page: 'workers.md', configClass: WorkerEnv },
  'workspace-api': { page: 'workspace.md', configClass: WorkspaceEnv },
};

const pathOf = (page: string) => join(__dirname, '../../docs', page);

/** `text` with `app`'s table (between its env markers) as its config class describes it now. */
function withCurrentTable(text: string, app: string, configClass: new () => object): string {
  const start = `<!-- env:${app}:start -->`;
  const end = `<!-- env:${app}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the page lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${variablesMarkdownTable(configClass)}\n${text.slice(to)}`;
}

if (require.main === module) {
  for (const [app, { page, configClass }] of Object.entries(TABLES)) {
    if (process.argv.includes('--write')) writeFileSync(pathOf(page), withCurrentTable(readFileSync(pathOf(page), 'utf8'), app, configClass));
    else process.stdout.write(`${app} (docs/${page})\n\n${variablesMarkdownTable(configClass)}\n\n`);
  }
}
