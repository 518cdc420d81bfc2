import { readdirSync, readFileSync } from 'node:fs';
import { repoPath } from './commands';

/**
 * Variables the packaging may set that the apps do not document (README.md, docs/): read by a library.
 */
const ALSO_READ = new Set([
  'NODE_ENV',
  // dockerode (docker-modem) connects to DOCKER_HOST when it is set.
  'DOCKER_HOST',
]);

const PROVIDER_ROW = /^\| `OZ_PROVIDER_<KEY>_/;

/**
 * Environment variables the apps read, as README.md and docs/ document them (their tables are
 * generated from the config classes) plus the worker's usage text.
 */
export function documentedVariables(): { has(name: string): boolean } {
  const pages = ['README.md', ...readdirSync(repoPath('docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const readme = pages.map((page) => readFileSync(repoPath(page), 'utf8')).join('\n');
  const names = new Set(ALSO_READ);
  for (const match of readme.matchAll(/`([A-Z][A-Z0-9_]*[A-Z0-9])`/g)) names.add(match[1] as string);
  const providerSettings = new Set<string>();
  for (const line of readme.split('\n').filter((row) => PROVIDER_ROW.test(row))) {
    const cell = line.split('|')[1] ?? '';
    for (const match of cell.matchAll(/`(?:OZ_PROVIDER_<KEY>)?_([A-Z_]+)`/g)) providerSettings.add(match[1] as string);
  }
  const worker = readFileSync(repoPath('apps/worker/src/config/worker.config.ts'), 'utf8');
  for (const match of worker.matchAll(/\b(OZ_[A-Z0-9_]+)\b/g)) names.add(match[1] as string);
  const provider = new RegExp(`^OZ_PROVIDER_[A-Z0-9_]+_(${[...providerSettings].join('|')})$`);
  return { has: (name) => names.has(name) || (providerSettings.size > 0 && provider.test(name)) };
}
