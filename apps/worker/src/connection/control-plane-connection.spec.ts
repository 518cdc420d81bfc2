import { Logger } from '@nestjs/common';
import type { ServerToWorkerMessage } from '@oz/contract';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WorkerConfig } from '../config/worker.config';
import { metricValue } from '@oz/testing';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ControlPlaneConnection, ReconnectLimitError } from './control-plane-connection';

/** A stand-in gateway on a loopback port, recording what connects and what it is sent. */
async function startGateway() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const received: unknown[] = [];
  const upgrades: IncomingMessage[] = [];
  const sockets: WebSocket[] = [];
  server.on('connection', (socket, request) => {
    upgrades.push(request);
    sockets.push(socket);
    socket.on('message', (raw) => received.push(JSON.parse(raw.toString())));
  });
  const { port } = server.address() as { port: number };
  return { server, port, received, upgrades, sockets, close: () => new Promise((resolve) => server.close(resolve)) };
}

function configFor(port: number, reconnect = { maxAttempts: 0, windowMs: 0 }): WorkerConfig {
  return { workerId: 'w1', maxConcurrentTasks: 3, apiKey: 'worker-token-123456', controlPlaneUrl: `ws://127.0.0.1:${port}/api/v1/selfhosted/worker/ws`, reconnect } as WorkerConfig;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(() => Logger.overrideLogger(false));

describe('the connection to the control plane', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let connection: ControlPlaneConnection;

  beforeEach(async () => (gateway = await startGateway()));
  afterEach(async () => {
    await connection.onApplicationShutdown();
    await gateway.close();
  });

  it('connects with its id, capacity and bearer token, and sends what was queued before, in order', async () => {
    connection = new ControlPlaneConnection(configFor(gateway.port), new WorkerMetrics());
    connection.send({ type: 'task_started', data: { task_id: 'a' } });
    connection.send({ type: 'task_log', data: { task_id: 'a', lines: ['one'] } });
    connection.open(() => undefined);
    await until(() => gateway.received.length === 2);
    expect(gateway.received).toEqual([
      { type: 'task_started', data: { task_id: 'a' } },
      { type: 'task_log', data: { task_id: 'a', lines: ['one'] } },
    ]);
    const upgrade = gateway.upgrades[0] as IncomingMessage;
    expect(upgrade.url).toBe('/api/v1/selfhosted/worker/ws?worker_id=w1&max_concurrent_tasks=3');
    expect(upgrade.headers.authorization).toBe('Bearer worker-token-123456');
  });

  it('hands messages to the handler and lives through malformed ones', async () => {
    connection = new ControlPlaneConnection(configFor(gateway.port), new WorkerMetrics());
    const handled: ServerToWorkerMessage[] = [];
    connection.open((message) => {
      if (message.type !== 'task_cancellation') throw new Error('unexpected');
      handled.push(message);
    });
    await until(() => gateway.sockets.length === 1);
    const socket = gateway.sockets[0] as WebSocket;
    socket.send('{not json');
    socket.send(JSON.stringify({ type: 'task_assignment', data: {} }));
    socket.send(JSON.stringify({ type: 'task_cancellation', data: { task_id: 'a' } }));
    await until(() => handled.length === 1);
    expect(handled).toEqual([{ type: 'task_cancellation', data: { task_id: 'a' } }]);
    expect(connection.connected).toBe(true);
  });

  it('reconnects at once when an established connection drops', async () => {
    connection = new ControlPlaneConnection(configFor(gateway.port), new WorkerMetrics());
    connection.open(() => undefined);
    await until(() => gateway.sockets.length === 1);
    gateway.sockets[0]?.terminate();
    await until(() => gateway.sockets.length === 2, 900); // well within the first backoff step (1 s)
  });

  it('tells its metrics whether it is connected, and counts each reconnect', async () => {
    const metrics = new WorkerMetrics();
    const read = async () => {
      const text = await metrics.registry.metrics();
      return { connected: metricValue(text, 'oz_worker_connected'), reconnects: metricValue(text, 'oz_worker_reconnects_total') };
    };
    connection = new ControlPlaneConnection(configFor(gateway.port), metrics);
    expect(await read()).toEqual({ connected: 0, reconnects: 0 });
    connection.open(() => undefined);
    await until(() => connection.connected);
    expect(await read()).toEqual({ connected: 1, reconnects: 0 });
    gateway.sockets[0]?.terminate();
    await until(() => gateway.sockets.length === 2 && connection.connected);
    expect(await read()).toEqual({ connected: 1, reconnects: 1 });
    const closing = gateway.close(); // no new connections; it closes once the last one has gone
    gateway.sockets[1]?.terminate();
    await until(() => !connection.connected);
    expect((await read()).connected).toBe(0);
    await closing;
  });

  it('closes with 1000 at shutdown, after sending what is queued', async () => {
    connection = new ControlPlaneConnection(configFor(gateway.port), new WorkerMetrics());
    connection.open(() => undefined);
    await until(() => connection.connected);
    const closed = once(gateway.sockets[0] as WebSocket, 'close');
    connection.send({ type: 'task_failed', data: { task_id: 'a', failure_reason: 'graceful_shutdown' } });
    await connection.onApplicationShutdown();
    const [code] = await closed;
    expect(code).toBe(1000);
    expect(gateway.received).toEqual([{ type: 'task_failed', data: { task_id: 'a', failure_reason: 'graceful_shutdown' } }]);
  });

  it('gives up after OZ_RECONNECT_MAX_ATTEMPTS failed attempts, naming the URL', async () => {
    await gateway.close(); // nothing listens there any more
    connection = new ControlPlaneConnection(configFor(gateway.port, { maxAttempts: 2, windowMs: 0 }), new WorkerMetrics());
    connection.open(() => undefined);
    const error = await connection.gaveUp;
    expect(error).toBeInstanceOf(ReconnectLimitError);
    expect(error.message).toBe(
      `Could not connect to the control plane at ws://127.0.0.1:${gateway.port}/api/v1/selfhosted/worker/ws: 2 failed attempts ` +
        '(OZ_RECONNECT_MAX_ATTEMPTS=2). Check that it runs and that --api-key is right.',
    );
  });
});
