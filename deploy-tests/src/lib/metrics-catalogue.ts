import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { repoPath } from './commands';

export interface CataloguedMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  apps: string[];
  labels: string[];
  help: string;
}

/** k8s/monitoring/metrics.json: the metrics the dashboard and the alert rules expect. */
export function metricsCatalogue(): CataloguedMetric[] {
  return (JSON.parse(readFileSync(repoPath('k8s/monitoring/metrics.json'), 'utf8')) as { metrics: CataloguedMetric[] }).metrics;
}

/** What prom-client's collectDefaultMetrics() exports (process_*, nodejs_*). */
export async function defaultMetricNames(): Promise<string[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return (await registry.getMetricsAsJSON()).map((metric) => metric.name);
}

/** Every series name a query may use: catalogued metrics (with histogram suffixes), defaults, `up`. */
export async function knownSeriesNames(): Promise<Set<string>> {
  const names = new Set<string>(['up', ...(await defaultMetricNames())]);
  for (const metric of metricsCatalogue()) {
    names.add(metric.name);
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** Series names in a PromQL expression: identifiers of the families the stack exports. */
export function seriesNamesIn(expression: string): string[] {
  return [...expression.matchAll(/\b(oz_[a-z0-9_]+|http_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b(?!\s*=)/g)].map((match) => match[1] as string);
}
