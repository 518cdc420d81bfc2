import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { repoPath, run, runOk } from './lib/commands';
import { renderComposition } from './lib/kustomize';
import { knownSeriesNames, metricsCatalogue, seriesNamesIn } from './lib/metrics-catalogue';

const MONITORING = repoPath('k8s/monitoring');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface AlertTest {
  alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
}

const alertRules = (): AlertRule[] =>
  (load(readFileSync(join(MONITORING, 'alerts.yaml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((group) => group.rules);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

const dashboard = () =>
  JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };

/** Dashboard variables replaced by what Grafana would send, so promtool can parse the query. */
const asPromQl = (expression: string) =>
  expression.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*').replaceAll('$job', 'oz-.*');

/** Runs `promtool check rules` on recording rules made of the expressions: it parses every one. */
function promQlProblems(expressions: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'oz-promql-'));
  try {
    const rules = Object.entries(expressions).map(([name, expr]) => ({ record: name, expr }));
    writeFileSync(join(dir, 'rules.yaml'), dump({ groups: [{ name: 'parse', rules }] }));
    const result = run('promtool', ['check', 'rules', join(dir, 'rules.yaml')]);
    return result.status === 0 ? '' : result.stderr || result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('k8s/monitoring/alerts.yaml', () => {
  it('passes promtool check rules', () => {
    expect(run('promtool', ['check', 'rules', 'alerts.yaml'], { cwd: MONITORING })).toMatchObject({ status: 0 });
  });

  it('passes its unit tests (promtool test rules alerts.test.yaml)', () => {
    const result = run('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: MONITORING });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('has the alerts issue 14 asks for: runs stuck pending, provider saturation, no workers', () => {
    expect(alertRules().map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['OzRunsStuckPending', 'OzProviderSaturated', 'OzNoWorkersConnected']),
    );
  });

  it('gives every alert a severity, a summary, a description and a pending period', () => {
    const incomplete = alertRules().filter(
      (rule) =>
        !['warning', 'critical'].includes(rule.labels?.['severity'] ?? '') ||
        !rule.annotations?.['summary'] ||
        !rule.annotations['description'] ||
        !rule.for,
    );
    expect(incomplete.map((rule) => rule.alert)).toEqual([]);
  });

  it('has a unit test in which every alert fires, and one in which it stays quiet', () => {
    const tests = (load(readFileSync(join(MONITORING, 'alerts.test.yaml'), 'utf8')) as { tests: AlertTest[] }).tests.flatMap(
      (test) => test.alert_rule_test ?? [],
    );
    for (const { alert } of alertRules()) {
      expect({ alert, fires: tests.some((test) => test.alertname === alert && test.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: tests.some((test) => test.alertname === alert && test.exp_alerts.length === 0) }).toEqual({ alert, quiet: true });
    }
  });

  it('watches only metrics the apps export (k8s/monitoring/metrics.json)', async () => {
    const known = await knownSeriesNames();
    const unknown = alertRules().flatMap((rule) => seriesNamesIn(rule.expr).filter((name) => !known.has(name)).map((name) => `${rule.alert}: ${name}`));
    expect(unknown).toEqual([]);
  });
});

describe('k8s/monitoring/grafana-dashboard.json', () => {
  const panels = () => dashboard().panels;
  const queryPanels = () => panels().filter((panel) => panel.type !== 'row');

  it('is an importable dashboard: uid, title, unique panel ids, a Prometheus datasource variable', () => {
    expect(dashboard()).toMatchObject({ uid: 'oz-stack', title: 'Oz Stack' });
    const ids = panels().map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard().templating.list.find((variable) => variable.name === 'datasource')).toMatchObject({ type: 'datasource' });
    const elsewhere = queryPanels().filter(
      (panel) => panel.datasource?.uid !== '${datasource}' || panel.targets?.some((target) => target.datasource?.uid !== '${datasource}'),
    );
    expect(elsewhere.map((panel) => panel.title)).toEqual([]);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Map<string, string>();
    for (const panel of panels()) {
      const { x, y, w, h } = panel.gridPos;
      expect({ title: panel.title, fits: x >= 0 && w > 0 && x + w <= 24 && h > 0 }).toEqual({ title: panel.title, fits: true });
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const key = `${column},${row}`;
          expect({ cell: key, taken: cells.get(key) }).toEqual({ cell: key, taken: undefined });
          cells.set(key, panel.title);
        }
      }
    }
  });

  it('queries in valid PromQL (promtool parses every expression)', () => {
    const expressions = Object.fromEntries(
      queryPanels().flatMap((panel) => (panel.targets ?? []).map((target) => [`oz_dashboard:panel${panel.id}_${target.refId}`, asPromQl(target.expr)])),
    );
    expect(Object.keys(expressions).length).toBeGreaterThan(20);
    expect(promQlProblems(expressions)).toBe('');
  });

  it('queries only metrics the apps export, and shows every catalogued metric', async () => {
    const known = await knownSeriesNames();
    const used = queryPanels().flatMap((panel) => (panel.targets ?? []).flatMap((target) => seriesNamesIn(target.expr)));
    expect(used.filter((name) => !known.has(name))).toEqual([]);
    const shown = new Set(used.map((name) => name.replace(/_(bucket|count|sum)$/, '')));
    expect(metricsCatalogue().filter((metric) => !shown.has(metric.name)).map((metric) => metric.name)).toEqual([]);
  });

  it('is what the monitoring component ships, byte for byte, with the alert rules', () => {
    const objects = renderComposition(['k8s/base'], ['k8s/monitoring']);
    const dashboards = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'oz-grafana-dashboard');
    const rules = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'oz-prometheus-rules');
    expect(dashboards?.metadata.labels?.['grafana_dashboard']).toBe('1');
    expect((dashboards?.['data'] as Record<string, string>)['oz-stack.json']).toBe(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8'));
    expect((rules?.['data'] as Record<string, string>)['oz-stack.rules.yaml']).toBe(readFileSync(join(MONITORING, 'alerts.yaml'), 'utf8'));
  });
});

describe('k8s/monitoring/metrics.json', () => {
  it('names metrics the Prometheus way', () => {
    const misnamed = metricsCatalogue().filter(
      ({ name, type }) =>
        !/^(oz_|http_)[a-z0-9_]+$/.test(name) ||
        (type === 'counter') !== name.endsWith('_total') ||
        (type === 'histogram' && !/_(seconds|bytes)$/.test(name)),
    );
    expect(misnamed.map((metric) => metric.name)).toEqual([]);
  });

  it('is documented in k8s/README.md, metric by metric', () => {
    const readme = readFileSync(repoPath('k8s/README.md'), 'utf8');
    expect(metricsCatalogue().filter((metric) => !readme.includes(`\`${metric.name}\``)).map((metric) => metric.name)).toEqual([]);
  });
});

describe('k8s/monitoring/prometheus.example.yaml', () => {
  const config = () =>
    load(readFileSync(join(MONITORING, 'prometheus.example.yaml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; kubernetes_sd_configs?: unknown; static_configs?: unknown; relabel_configs: { target_label?: string; source_labels?: string[] }[] }[];
    };

  it('is a valid Prometheus configuration (promtool check config)', () => {
    // Debian's promtool is built without Kubernetes discovery: check everything else with a static target.
    const dir = mkdtempSync(join(tmpdir(), 'oz-prometheus-'));
    try {
      const checked = config();
      for (const scrape of checked.scrape_configs) {
        expect(scrape.kubernetes_sd_configs).toBeDefined();
        delete scrape.kubernetes_sd_configs;
        scrape.static_configs = [{ targets: ['127.0.0.1:8080'] }];
      }
      writeFileSync(join(dir, 'prometheus.yaml'), dump(checked));
      for (const file of checked.rule_files) copyFileSync(join(MONITORING, file), join(dir, file));
      runOk('promtool', ['check', 'config', join(dir, 'prometheus.yaml')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names jobs after the pod's app.kubernetes.io/name, as the alerts and the dashboard expect", () => {
    const relabel = config().scrape_configs[0]?.relabel_configs.find((rule) => rule.target_label === 'job');
    expect(relabel?.source_labels).toEqual(['__meta_kubernetes_pod_label_app_kubernetes_io_name']);
  });
});
