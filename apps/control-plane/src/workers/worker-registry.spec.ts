import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { ControlPlaneConfig } from '../config/control-plane.config';
import { Metrics } from '../metrics/metrics';
import type { WorkerConnectionsRepository } from './worker-connections.repository';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';

/** Just enough of a `ws` socket: state, sends, pings. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: string[] = [];
  pings = 0;
  terminated = false;
  send(data: string, done: (error?: Error) => void): void {
    this.sent.push(data);
    done();
  }
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
  close(): void {
    this.readyState = 3;
  }
}

const presence = { opened: jest.fn(async () => undefined), seen: jest.fn(async () => undefined), closed: jest.fn(async () => undefined) };
const config = { workers: { leaseMs: 30_000 } } as ControlPlaneConfig;

function registry(): WorkerRegistry {
  return new WorkerRegistry(config, 'replica-1', presence as unknown as WorkerConnectionsRepository, new Metrics());
}

function connect(on: WorkerRegistry, workerId: string, maxConcurrentTasks: number | null = null): { connection: WorkerConnection; socket: FakeSocket } {
  const socket = new FakeSocket();
  return { connection: on.add(socket as unknown as WebSocket, { workerId, maxConcurrentTasks }), socket };
}

describe('the worker registry', () => {
  afterEach(() => jest.useRealTimers());

  it('offers the least loaded connections first, and only those with room', () => {
    const workers = registry();
    const a = connect(workers, 'a', 2).connection;
    const b = connect(workers, 'b', 1).connection;
    const c = connect(workers, 'c').connection;
    workers.hold(a, 'run-1');
    workers.hold(b, 'run-2');

    expect(workers.withCapacity().map((w) => w.workerId)).toEqual(['c', 'a']);
    workers.hold(a, 'run-3');
    expect(workers.withCapacity().map((w) => w.workerId)).toEqual(['c']);
    workers.release('run-2');
    expect(workers.withCapacity().map((w) => w.workerId).sort()).toEqual(['b', 'c']);
    expect(c.maxConcurrentTasks).toBeNull();
  });

  it('takes equally loaded connections in turn', () => {
    const workers = registry();
    connect(workers, 'a');
    connect(workers, 'b');
    const firsts = [0, 1, 2, 3].map(() => workers.withCapacity()[0]?.workerId);
    expect(new Set(firsts)).toEqual(new Set(['a', 'b']));
  });

  it('offers nothing to a closed connection', () => {
    const workers = registry();
    connect(workers, 'closed').socket.close();
    expect(workers.withCapacity()).toEqual([]);
  });

  it('offers work again to a connection that rejected while holding no task, after a back-off that doubles per rejection', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const workers = registry();
    const lone = connect(workers, 'lone').connection;

    expect(workers.rejected(lone)).toBe(1_000);
    expect(workers.withCapacity()).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(workers.withCapacity()).toEqual([lone]);
    expect(workers.rejected(lone)).toBe(2_000);
    jest.advanceTimersByTime(1_999);
    expect(workers.withCapacity()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(workers.withCapacity()).toEqual([lone]);
    for (let i = 0; i < 10; i++) workers.rejected(lone);
    expect(workers.rejected(lone)).toBe(30_000);
  });

  it('ends the back-off when a task ends on that connection (a reconnected worker finishing what it claimed before) or it claims one', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const workers = registry();
    const reconnected = connect(workers, 'w', 2).connection;
    workers.rejected(reconnected);
    workers.freed(reconnected);
    expect(workers.withCapacity()).toEqual([reconnected]);
    workers.rejected(reconnected);
    workers.hold(reconnected, 'run-2');
    workers.claimed(reconnected, 'run-2');
    expect(workers.withCapacity()).toEqual([reconnected]);
  });

  it('counts what a connection reports as what it holds: a reconnected worker is as full as it is', () => {
    const workers = registry();
    const { connection } = connect(workers, 'w', 2);
    expect(workers.reportsRuns(connection)).toBe(false);
    workers.hold(connection, 'run-1');
    workers.reported(connection, ['run-1', 'run-2']);
    expect(workers.reportsRuns(connection)).toBe(true);
    expect(workers.withCapacity()).toEqual([]);
    expect(workers.connectionFor('run-2', 'other')).toBe(connection);
    workers.release('run-1');
    expect(workers.withCapacity()).toEqual([connection]);
  });

  it('finds the connection holding a task, else an open one of its worker', () => {
    const workers = registry();
    const first = connect(workers, 'w').connection;
    const second = connect(workers, 'w').connection;
    workers.hold(second, 'run-1');

    expect(workers.connectionFor('run-1', 'w')).toBe(second);
    expect(workers.connectionFor('run-2', 'w')).toBe(first);
    expect(workers.connectionFor('run-2', 'other')).toBeUndefined();
  });

  it('forgets a closed connection, keeping its runs with the worker', async () => {
    const workers = registry();
    const { connection, socket } = connect(workers, 'w');
    workers.hold(connection, 'run-1');

    await workers.remove(socket as unknown as WebSocket);

    expect(presence.closed).toHaveBeenCalledWith(connection.id);
    expect(workers.withCapacity()).toEqual([]);
    expect(workers.connectionFor('run-1', 'w')).toBeUndefined();
  });

  it('counts a sign of life at most once per interval, per connection', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const workers = registry();
    const a = connect(workers, 'a').connection;
    const b = connect(workers, 'b').connection;

    expect(workers.noteSignOfLife(a, 5_000)).toBe(true);
    expect(workers.noteSignOfLife(a, 5_000)).toBe(false);
    expect(workers.noteSignOfLife(b, 5_000)).toBe(true);
    jest.advanceTimersByTime(5_000);
    expect(workers.noteSignOfLife(a, 5_000)).toBe(true);
  });

  it('pings three times per lease and drops a connection that left a ping unanswered', () => {
    jest.useFakeTimers();
    const workers = registry();
    const answering = connect(workers, 'answering').socket;
    const silent = connect(workers, 'silent').socket;
    workers.onApplicationBootstrap();

    jest.advanceTimersByTime(10_000);
    expect([answering.pings, silent.pings]).toEqual([1, 1]);
    answering.emit('pong');
    jest.advanceTimersByTime(10_000);
    expect(answering.terminated).toBe(false);
    expect(silent.terminated).toBe(true);
    workers.onApplicationShutdown();
  });

  it('sends messages as JSON text frames', async () => {
    const workers = registry();
    const { connection, socket } = connect(workers, 'w');
    await workers.send(connection, { type: 'task_cancellation', data: { task_id: 'run-1' } });
    expect(socket.sent).toEqual(['{"type":"task_cancellation","data":{"task_id":"run-1"}}']);
  });
});
