/**
 * Prints the control plane's environment-variable table from its config class, or with --write
 * refreshes it in README.md between the env markers. A test keeps the README in step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlPlaneEnv } from '../../apps/control-plane/src/config/control-plane.config';
import { variablesMarkdownTable } from '../../apps/control-plane/src/config/variable-description';

export const README = join(__dirname, '../../README.md');
const START = '<!-- env:control-plane:start -->';
const END = '<!-- env:control-plane:end -->';

export function readmeWithCurrentTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${variablesMarkdownTable(ControlPlaneEnv)}\n${readme.slice(end)}`;
}

if (require.main === module) {
  if (process.argv.includes('--write')) {
    writeFileSync(README, readmeWithCurrentTable(readFileSync(README, 'utf8')));
  } else {
    process.stdout.write(`${variablesMarkdownTable(ControlPlaneEnv)}\n`);
  }
}
