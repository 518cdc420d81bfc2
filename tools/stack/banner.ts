import { join, relative } from 'node:path';
import { loadProviderSettings } from '../../libs/providers/src';
import type { StackDatabase } from './database';
import type { Progress } from './progress';
import type { StackConfig } from './start';

export interface BannerFacts {
  repoRoot: string;
  logDir: string;
  config: StackConfig;
  database: StackDatabase;
  tenantKey: { token: string; file: string };
}

/** What the stack is, where, and how to use it: printed last, once everything answers. */
export function printBanner(progress: Progress, facts: BannerFacts): void {
  const { config, database, tenantKey, repoRoot } = facts;
  const here = (path: string) => relative(repoRoot, path);
  const api = `http://localhost:${config.controlPlanePort}`;
  const workspace = `http://localhost:${config.workspacePort}`;
  const keyFiles = config.secrets.files.map((name) => here(join(repoRoot, '.data', name)));
  const logs = ['control-plane', 'workspace-api', ...(config.docker.ok ? ['worker'] : []), 'build'].map((name) => `${name}.log`);
  if (database.logFile) logs.push('postgres.log');
  const rows: [string, string][] = [
    ['Dashboard', `${workspace}/  (the first account you create is the instance admin)`],
    ['API', `${api}/api/v1  (docs ${api}/api/docs)`],
    ['Workspace', `${workspace}/api  (docs ${workspace}/api/docs; events ${config.workspaceEvents})`],
    ['Tenant key', `${tenantKey.token}  (in ${here(tenantKey.file)}: what SDK clients send as their bearer token)`],
    [
      'Keys',
      keyFiles.length
        ? `${keyFiles.join(', ')}  (made once, kept for the next start; admin-key issues tenant keys and worker tokens)`
        : 'all from the environment',
    ],
    ['Providers', providersLine()],
    ['Workers', workersLine(config, here)],
    ['Data', database.description],
    ['Logs', `${here(facts.logDir)}/: ${logs.join(', ')}  (JSON, one event a line)`],
    ['Metrics', `${api}/metrics, ${workspace}/metrics${config.docker.ok ? `, the worker's http://127.0.0.1:${config.workerMetricsPort}/metrics` : ''}`],
    ['Try', `curl -H "Authorization: Bearer $(cat ${here(tenantKey.file)})" ${api}/api/v1/agent/runs`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  progress.line();
  progress.line('Oz Stack is running');
  for (const [label, value] of rows) progress.line(`  ${label.padEnd(width)}${value}`);
  progress.line('Press Ctrl-C to stop.');
}

function workersLine(config: StackConfig, here: (path: string) => string): string {
  const { docker, localWorkerId, secrets } = config;
  if (docker.ok === false) return docker.why;
  return (
    `${localWorkerId} (Docker ${docker.version}; its token, bound to ${localWorkerId}, is in ${here(secrets.localWorkerTokenFile)}). ` +
    'More: a token each (POST /api/v1/admin/worker-tokens with the admin key), then ' +
    'OZ_WORKER_API_KEY=<token> OZ_METRICS_PORT=0 npm run start:worker -- --worker-id NAME'
  );
}

/** Which OZ_PROVIDER_* the control plane will use; a bad setting is the control plane's to report. */
function providersLine(): string {
  try {
    const { providers } = loadProviderSettings(process.env);
    if (!providers.size) return 'none: runs without an environment fail until you set OZ_PROVIDER_* (docs/providers.md)';
    return [...providers.values()].map((p) => `${p.key} (${p.type}${p.problems.length ? ', incomplete' : `, ${p.model}`})`).join(', ');
  } catch {
    return 'misconfigured (see .data/logs/control-plane.log)';
  }
}
