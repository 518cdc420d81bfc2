/**
 * Prints the environment-variable tables of the apps from their config classes, or with --write
 * refreshes them in README.md between each app's env markers. Tests keep the README in step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { variablesMarkdownTable } from '@oz/server-kit';
import { ControlPlaneEnv } from '../../apps/control-plane/src/config/control-plane.config';
import { WorkerEnv } from '../../apps/worker/src/config/worker-env';
import { WorkspaceEnv } from '../../apps/workspace-api/src/config/workspace.config';

export const README = join(__dirname, '../../README.md');
const TABLES: Record<string, new () => object> = { 'control-plane': ControlPlaneEnv, worker: WorkerEnv, 'workspace-api': WorkspaceEnv };

export function readmeWithCurrentTables(readme: string): string {
  let result = readme;
  for (const [app, configClass] of Object.entries(TABLES)) {
    const start = `<!-- env:${app}:start -->`;
    const end = `<!-- env:${app}:end -->`;
    const from = result.indexOf(start);
    const to = result.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
    result = `${result.slice(0, from + start.length)}\n${variablesMarkdownTable(configClass)}\n${result.slice(to)}`;
  }
  return result;
}

if (require.main === module) {
  if (process.argv.includes('--write')) {
    writeFileSync(README, readmeWithCurrentTables(readFileSync(README, 'utf8')));
  } else {
    for (const [app, configClass] of Object.entries(TABLES)) process.stdout.write(`${app}\n\n${variablesMarkdownTable(configClass)}\n\n`);
  }
}
