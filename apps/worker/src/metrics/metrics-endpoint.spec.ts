import { Logger } from '@nestjs/common';
import { metricValue, promtoolCheckMetrics } from '@oz/testing';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { WorkerConfig } from '../config/worker.config';
import { readWorkerCommand } from '../config/worker.config';
import { MetricsEndpoint, MetricsPortError } from './metrics-endpoint';
import { WorkerMetrics } from './worker-metrics';

const TOKEN = 'prometheus-scrapes-with-this-0123';

function endpoint(metrics: Partial<WorkerConfig['metrics']>, registry = new WorkerMetrics()): MetricsEndpoint {
  const config = { metrics: { port: 0, host: '127.0.0.1', token: null, portChosen: false, ...metrics } } as WorkerConfig;
  return new MetricsEndpoint(config, registry);
}

async function squat(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

beforeAll(() => Logger.overrideLogger(false));

describe('the worker’s metrics port', () => {
  it('serves every worker metric as valid Prometheus text, behind OZ_METRICS_TOKEN', async () => {
    const { server, port } = await squat();
    await new Promise((resolve) => server.close(resolve)); // a free port, chosen by the operator
    const metrics = new WorkerMetrics();
    metrics.taskEnded('succeeded');
    const served = endpoint({ port, token: TOKEN, portChosen: true }, metrics);
    await served.onApplicationBootstrap();
    try {
      expect(served.port).toBe(port);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(promtoolCheckMetrics(text).problems).toEqual([]);
      // Every metric k8s/monitoring/metrics.json promises for the worker (the dashboard and alerts use them), and the defaults.
      const catalogue = JSON.parse(readFileSync(join(__dirname, '../../../../k8s/monitoring/metrics.json'), 'utf8')) as { metrics: { name: string; apps: string[] }[] };
      const promised = catalogue.metrics.filter((metric) => metric.apps.includes('worker')).map((metric) => metric.name);
      expect(promised.length).toBeGreaterThanOrEqual(5);
      for (const name of [...promised, 'process_cpu_seconds_total']) expect(text).toContain(`# TYPE ${name} `);
      expect(metricValue(text, 'oz_worker_tasks_total', { outcome: 'succeeded' })).toBe(1);
    } finally {
      await served.onApplicationShutdown();
    }
  });

  it('refuses to start on a port the operator chose that is taken', async () => {
    const { server, port } = await squat();
    try {
      await expect(endpoint({ port, portChosen: true }).onApplicationBootstrap()).rejects.toThrow(MetricsPortError);
      await expect(endpoint({ port, portChosen: true }).onApplicationBootstrap()).rejects.toThrow(`Cannot serve metrics on 127.0.0.1:${port} (OZ_METRICS_PORT): in use`);
    } finally {
      server.close();
    }
  });

  it('starts without metrics when the default port is taken (another worker on this machine)', async () => {
    const { server, port } = await squat();
    try {
      const served = endpoint({ port, portChosen: false });
      await served.onApplicationBootstrap();
      expect(served.port).toBeNull();
    } finally {
      server.close();
    }
  });

  it('is off with OZ_METRICS_PORT=0, and reads its settings from the environment', async () => {
    const off = endpoint({ port: 0, portChosen: true });
    await off.onApplicationBootstrap();
    expect(off.port).toBeNull();
    const base = { OZ_WORKER_ID: 'w1', OZ_WORKER_API_KEY: 'worker-token-123456' };
    const read = (env: Record<string, string>) => {
      const command = readWorkerCommand([], { ...base, ...env });
      if (command.help) throw new Error('help');
      return command.config.metrics;
    };
    expect(read({})).toEqual({ port: 9464, host: '0.0.0.0', token: null, portChosen: false });
    expect(read({ OZ_METRICS_TOKEN: '', OZ_METRICS_PORT: '' })).toEqual({ port: 9464, host: '0.0.0.0', token: null, portChosen: false });
    expect(read({ OZ_METRICS_PORT: '9500', OZ_METRICS_HOST: '127.0.0.1', OZ_METRICS_TOKEN: TOKEN })).toEqual({ port: 9500, host: '127.0.0.1', token: TOKEN, portChosen: true });
    expect(() => read({ OZ_METRICS_PORT: '70000' })).toThrow(/OZ_METRICS_PORT must be a port number/);
    expect(() => read({ OZ_METRICS_TOKEN: 'short' })).toThrow(/OZ_METRICS_TOKEN must be at least 16 characters/);
  });
});
