import { spawnSync } from 'node:child_process';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (`# HELP`/`# TYPE` lines skipped). */
export function metricSamples(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name as string] = (value as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The sum of the samples named `name` whose labels include `labels` (all series of a counter, or
 * one of them); undefined when no sample matches.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = metricSamples(text).filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return matching.length ? matching.reduce((sum, sample) => sum + sample.value, 0) : undefined;
}

/** The names prom-client's collectDefaultMetrics() exports, with the histogram and summary suffixes. */
function defaultMetricNames(): Set<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set(registry.getMetricsAsArray().map((metric) => (metric as unknown as { name: string }).name));
}

export interface PromtoolVerdict {
  /** promtool's exit status: 0 clean, 1 unreadable (a parse error), 3 lint problems. */
  status: number;
  /** What promtool reports, less its lint about prom-client's own default metrics (`nodejs_active_handles_total` is a gauge). */
  problems: string[];
}

/**
 * `promtool check metrics` (Debian's `prometheus` package) on an exposition: Prometheus's own parser
 * and linter. Lint about prom-client's default metrics, which we do not name, is left out.
 */
export function promtoolCheckMetrics(text: string): PromtoolVerdict {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw missing ? new Error('promtool is not installed (apt-get install prometheus; the service need not run)') : result.error;
  }
  const defaults = defaultMetricNames();
  const problems = `${result.stdout}${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .filter((line) => !defaults.has(line.split(' ', 1)[0] as string));
  return { status: result.status ?? 1, problems };
}
