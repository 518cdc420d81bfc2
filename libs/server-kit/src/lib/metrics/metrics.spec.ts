import { Controller, Get, Module, Param } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { metricSamples, metricValue, promtoolCheckMetrics } from '@oz/testing';
import { LoggerModule } from 'nestjs-pino';
import { createServer } from 'node:net';
import { Counter } from 'prom-client';
import { createHttpApp } from '../http/http-app';
import { httpLoggerParams } from '../logging/http-logger';
import { labelRoute, serveMetrics, UNMATCHED_ROUTE } from './http-metrics';
import { createMetricsRegistry, MetricsAccess } from './metrics-registry';
import { startMetricsServer } from './metrics-server';

@Controller('api/things')
class ThingsController {
  @Get(':thingId')
  one(@Param('thingId') thingId: string) {
    return { id: thingId };
  }
}

@Module({ imports: [LoggerModule.forRoot(httpLoggerParams('silent'))], controllers: [ThingsController] })
class ThingsModule {}

const TOKEN = 'metrics-token-0123456789';

async function serve(token: string | null): Promise<{ app: NestFastifyApplication; origin: string; registry: ReturnType<typeof createMetricsRegistry> }> {
  const registry = createMetricsRegistry();
  const app = await createHttpApp(ThingsModule, { maxBodyBytes: 1024 * 1024, openApi: { title: 't', description: 'd' } }, (nest) => {
    serveMetrics(nest, { registry, token });
    // As the workspace's dashboard does: answered before routing, labelled by what it is.
    nest
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        if (!request.url.startsWith('/app/')) return;
        labelRoute(request, '(dashboard)');
        return reply.code(200).send('<html></html>');
      });
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, origin: `http://127.0.0.1:${address.port}`, registry };
}

describe('GET /metrics on a server (serveMetrics)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(null);
  });
  afterAll(() => server.app.close());

  const scrape = async () => {
    const response = await fetch(`${server.origin}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  it('answers the Prometheus text format that promtool reads without a problem, defaults included', async () => {
    const response = await fetch(`${server.origin}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
    expect(promtoolCheckMetrics(text).status).not.toBe(1);
    expect(metricValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('labels requests by route pattern, never by URL: a hundred ids make one series', async () => {
    for (let i = 0; i < 100; i++) expect((await fetch(`${server.origin}/api/things/${i}-${Math.random()}`)).status).toBe(200);
    const text = await scrape();
    const series = metricSamples(text).filter((sample) => sample.name === 'http_request_duration_seconds_count' && sample.labels['route']?.startsWith('/api/things'));
    expect(series).toEqual([{ name: 'http_request_duration_seconds_count', labels: { method: 'GET', route: '/api/things/:thingId', status_code: '200' }, value: 100 }]);
    expect(text).not.toMatch(/route="\/api\/things\/\d/);
  });

  it('puts requests no route matched under one label, whatever their URL, with their status', async () => {
    for (const path of ['/nothing/here', '/x/y/z', '/api/nope?q=1']) expect((await fetch(`${server.origin}${path}`)).status).toBe(404);
    await fetch(`${server.origin}/app/rooms/1`);
    await fetch(`${server.origin}/app/runs/2`);
    const text = await scrape();
    expect(metricValue(text, 'http_request_duration_seconds_count', { route: UNMATCHED_ROUTE, status_code: '404' })).toBe(3);
    expect(metricValue(text, 'http_request_duration_seconds_count', { route: '(dashboard)', status_code: '200' })).toBe(2);
    expect(text).not.toContain('nothing/here');
  });

  it('buckets durations in seconds, and adds what the app registers itself', async () => {
    new Counter({ name: 'oz_things_total', help: 'Things.', registers: [server.registry] }).inc(3);
    await fetch(`${server.origin}/api/things/1`);
    const text = await scrape();
    expect(metricValue(text, 'oz_things_total')).toBe(3);
    const buckets = metricSamples(text).filter((sample) => sample.name === 'http_request_duration_seconds_bucket' && sample.labels['route'] === '/api/things/:thingId');
    expect(buckets.at(-1)?.labels['le']).toBe('+Inf');
    expect(metricValue(text, 'http_request_duration_seconds_sum', { route: '/api/things/:thingId' })).toBeLessThan(10);
  });
});

describe('GET /metrics with OZ_METRICS_TOKEN (serveMetrics)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(TOKEN);
  });
  afterAll(() => server.app.close());

  it.each([
    ['no Authorization header', {}],
    ['another token', { authorization: 'Bearer metrics-token-0123456780' }],
    ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
    ['the token without a scheme', { authorization: TOKEN }],
  ])('answers 401 with the JSON error body and a challenge for %s', async (_, headers: Record<string, string>) => {
    const response = await fetch(`${server.origin}/metrics`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await response.json()).toMatchObject({ status: 401, code: 'metrics_token_required' });
  });

  it('answers the bearer of the token', async () => {
    const response = await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE http_request_duration_seconds histogram');
  });
});

describe('MetricsAccess', () => {
  it('lets anyone in without a token, and only its bearer (any case of the scheme) with one', () => {
    expect(new MetricsAccess(null).allows(undefined)).toBe(true);
    expect(new MetricsAccess('').protected).toBe(false);
    const access = new MetricsAccess(TOKEN);
    expect(access.allows(`Bearer ${TOKEN}`)).toBe(true);
    expect(access.allows(`bearer ${TOKEN}`)).toBe(true);
    for (const bad of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN} extra`, [`Bearer nope`]]) {
      expect(access.allows(bad)).toBe(false);
    }
  });
});

describe('startMetricsServer (a metrics port of its own)', () => {
  it('serves the exposition, refuses a scrape without the token, and knows no other path', async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: 'oz_worker_things_total', help: 'Things.', registers: [registry] }).inc();
    const server = await startMetricsServer({ registry, token: TOKEN, host: '127.0.0.1', port: 0 });
    try {
      const origin = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${origin}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(scraped.status).toBe(200);
      const text = await scraped.text();
      expect(metricValue(text, 'oz_worker_things_total')).toBe(1);
      expect(promtoolCheckMetrics(text).problems).toEqual([]);
      expect((await fetch(`${origin}/`)).status).toBe(404);
      expect((await fetch(`${origin}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('rejects when its port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as { port: number };
    try {
      await expect(startMetricsServer({ registry: createMetricsRegistry(), token: null, host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      squatter.close();
    }
  });
});
