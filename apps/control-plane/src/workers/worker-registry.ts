import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_PING_INTERVAL_MS, type ServerToWorkerMessage } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { InjectReplicaId } from '../common/replica-id';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Metrics } from '../metrics/metrics';
import { WorkerConnectionsRepository } from './worker-connections.repository';

/** One open WebSocket of a worker on this replica. What it holds and how it behaves is the registry's to know. */
export interface WorkerConnection {
  readonly id: string;
  readonly workerId: string;
  /** Announced by our worker (`max_concurrent_tasks` query parameter); null for the official worker. */
  readonly maxConcurrentTasks: number | null;
}

/** What the upgrade established about the worker on the other end. */
export interface ConnectingWorker {
  workerId: string;
  maxConcurrentTasks: number | null;
}

/** After a task_rejected a connection is offered nothing for this long, doubling with each rejection in a row. */
export const FIRST_REJECTION_BACKOFF_MS = 1_000;
export const MAX_REJECTION_BACKOFF_MS = 30_000;

interface ConnectionState {
  socket: WebSocket;
  /** Runs assigned through this connection whose claim has not arrived. */
  awaitingClaim: Set<string>;
  /** Runs this connection's worker executes: what it last reported, plus what it claimed since. */
  running: Set<string>;
  /** It sent `running_tasks`: only its reports renew its runs' leases (our worker; never the official one). */
  reportsRuns: boolean;
  /** task_rejected in a row, and until when it is offered nothing (the back-off). */
  rejections: number;
  offerAgainAt: number;
  /** When a sign of life last counted (see `noteSignOfLife`). */
  lastSeenAt: number;
  /** False from a ping until its pong. */
  answeredPing: boolean;
}

/**
 * The worker connections of this replica and their presence, and the only code that changes a
 * connection's state (its tasks, whether it reports them, its back-off after a rejection, its
 * liveness). Each replica dispatches only to its own connections; a worker connected to several
 * replicas (or reconnecting to another) is simply several connections. Presence is kept in
 * `worker_connections` so every replica can list workers.
 */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('worker-registry');
  /** Open connections by socket, in the order they opened. */
  private readonly open = new Map<WebSocket, WorkerConnection>();
  /** Kept for closed connections too: their last messages may still be in flight. */
  private readonly states = new WeakMap<WorkerConnection, ConnectionState>();
  private roundRobin = 0;
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @InjectReplicaId() private readonly replica: string,
    private readonly presence: WorkerConnectionsRepository,
    private readonly metrics: Metrics,
  ) {}

  /** Pings as often as the official worker does, and three times per lease, so a worker busy with a quiet task keeps its leases. */
  onApplicationBootstrap(): void {
    this.pinger = setInterval(() => this.pingAll(), Math.min(WORKER_PING_INTERVAL_MS, Math.floor(this.config.workers.leaseMs / 3)));
  }

  onApplicationShutdown(): void {
    clearInterval(this.pinger);
    for (const socket of this.open.keys()) socket.close(1001, 'control plane shutting down');
  }

  /** A worker's socket was accepted: its connection. Synchronous, so the caller can listen before any frame arrives. */
  add(socket: WebSocket, worker: ConnectingWorker): WorkerConnection {
    const connection: WorkerConnection = { id: randomUUID(), workerId: worker.workerId, maxConcurrentTasks: worker.maxConcurrentTasks };
    const state: ConnectionState = {
      socket,
      awaitingClaim: new Set(),
      running: new Set(),
      reportsRuns: false,
      rejections: 0,
      offerAgainAt: 0,
      lastSeenAt: 0,
      answeredPing: true,
    };
    socket.on('pong', () => (state.answeredPing = true));
    this.states.set(connection, state);
    this.open.set(socket, connection);
    this.countOnline();
    return connection;
  }

  /** Makes the connection visible to every replica (`worker_connections`). */
  async announce(connection: WorkerConnection): Promise<void> {
    await this.presence.opened(connection.id, connection.workerId, this.replica, connection.maxConcurrentTasks);
    this.logger.log({ workerId: connection.workerId, connectionId: connection.id }, 'worker.connected');
  }

  /** The socket closed. Its runs stay with the worker: it reconnects and carries on; only a lapsed lease ends them. */
  async remove(socket: WebSocket): Promise<void> {
    const connection = this.open.get(socket);
    if (!connection) return;
    this.open.delete(socket);
    this.countOnline();
    await this.presence.closed(connection.id).catch(() => undefined);
    this.logger.log({ workerId: connection.workerId, connectionId: connection.id, tasks: this.load(connection) }, 'worker.disconnected');
  }

  /** Connections that may take one more run (not backing off after a rejection), least loaded first, ties taken in turn. */
  withCapacity(): WorkerConnection[] {
    const now = Date.now();
    const open = [...this.open.values()].filter((c) => {
      const { socket, offerAgainAt } = this.stateOf(c);
      return socket.readyState === socket.OPEN && now >= offerAgainAt;
    });
    const free = open.filter((c) => c.maxConcurrentTasks === null || this.load(c) < c.maxConcurrentTasks);
    this.roundRobin++;
    return free
      .map((c, i) => ({ c, order: (i + this.roundRobin) % Math.max(1, free.length) }))
      .sort((a, b) => this.load(a.c) - this.load(b.c) || a.order - b.order)
      .map(({ c }) => c);
  }

  /** The connection holding `taskId`, else any open connection of `workerId`. */
  connectionFor(taskId: string, workerId: string | null): WorkerConnection | undefined {
    const all = [...this.open.values()];
    return (
      all.find((c) => {
        const { running, awaitingClaim } = this.stateOf(c);
        return running.has(taskId) || awaitingClaim.has(taskId);
      }) ??
      all.find((c) => {
        const { socket } = this.stateOf(c);
        return c.workerId === workerId && socket.readyState === socket.OPEN;
      })
    );
  }

  /** `taskId` was assigned through `connection`: it takes a slot until claimed, handed back or ended. */
  hold(connection: WorkerConnection, taskId: string): void {
    this.stateOf(connection).awaitingClaim.add(taskId);
  }

  /** `connection`'s worker claimed `taskId` (it may have been assigned through another connection): it runs there now. */
  claimed(connection: WorkerConnection, taskId: string): void {
    const state = this.stateOf(connection);
    state.awaitingClaim.delete(taskId);
    state.running.add(taskId);
    state.rejections = 0;
    state.offerAgainAt = 0;
  }

  /** The assignment of `taskId` never reached `connection`: its slot is free again. */
  drop(connection: WorkerConnection, taskId: string): void {
    const state = this.stateOf(connection);
    state.awaitingClaim.delete(taskId);
    state.running.delete(taskId);
  }

  /** A task ended (or was handed back): free its slot wherever it was. */
  release(taskId: string): void {
    for (const connection of this.open.values()) this.drop(connection, taskId);
  }

  /**
   * A task ended with a report on `connection`: its worker has room again, whichever connection the
   * task was assigned through (a reconnected worker finishes tasks claimed on its old connection), so
   * any back-off ends.
   */
  freed(connection: WorkerConnection): void {
    const state = this.stateOf(connection);
    state.rejections = 0;
    state.offerAgainAt = 0;
  }

  /**
   * The worker said it is full (task_rejected): offer it nothing for a back-off that doubles with each
   * rejection in a row (1 s up to 30 s), then try again, so a worker that rejects while holding no task
   * of this connection is not starved. Returns the back-off, for the caller to dispatch again after it.
   */
  rejected(connection: WorkerConnection): number {
    const state = this.stateOf(connection);
    const backoff = Math.min(FIRST_REJECTION_BACKOFF_MS * 2 ** state.rejections, MAX_REJECTION_BACKOFF_MS);
    state.rejections++;
    state.offerAgainAt = Date.now() + backoff;
    return backoff;
  }

  /**
   * `connection` reported the tasks its worker executes (running_tasks): from now on only its reports
   * renew its runs' leases, and they are what it holds (reconnected, it holds what it runs, not nothing).
   */
  reported(connection: WorkerConnection, taskIds: string[]): void {
    const state = this.stateOf(connection);
    state.reportsRuns = true;
    state.running = new Set(taskIds);
    for (const id of taskIds) state.awaitingClaim.delete(id);
  }

  /** True once the connection reported its tasks (our worker); the official worker never does. */
  reportsRuns(connection: WorkerConnection): boolean {
    return this.stateOf(connection).reportsRuns;
  }

  /**
   * A sign of life on `connection` (any message, ping or pong). True when the last one that counted is
   * at least `everyMs` old: then it counts, and the caller renews what it keeps alive.
   */
  noteSignOfLife(connection: WorkerConnection, everyMs: number): boolean {
    const state = this.stateOf(connection);
    const now = Date.now();
    if (now - state.lastSeenAt < everyMs) return false;
    state.lastSeenAt = now;
    return true;
  }

  /** Presence: the connection was seen now. */
  recordSeen(connection: WorkerConnection): Promise<void> {
    return this.presence.seen([connection.id]);
  }

  send(connection: WorkerConnection, message: ServerToWorkerMessage): Promise<void> {
    const { socket } = this.stateOf(connection);
    return new Promise((resolve, reject) => socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  }

  /** This replica's connections and the distinct workers behind them, for the metrics. */
  private countOnline(): void {
    const connections = [...this.open.values()];
    this.metrics.workersOnline(connections.length, new Set(connections.map((connection) => connection.workerId)).size);
  }

  private load(connection: WorkerConnection): number {
    const { running, awaitingClaim } = this.stateOf(connection);
    let load = running.size;
    for (const id of awaitingClaim) if (!running.has(id)) load++;
    return load;
  }

  /** A connection that did not answer the previous ping is dead, whatever TCP thinks. */
  private pingAll(): void {
    for (const [socket, connection] of this.open) {
      const state = this.stateOf(connection);
      if (!state.answeredPing) {
        socket.terminate();
        continue;
      }
      state.answeredPing = false;
      socket.ping();
    }
  }

  private stateOf(connection: WorkerConnection): ConnectionState {
    const state = this.states.get(connection);
    if (!state) throw new Error(`worker connection ${connection.id} was not made by this registry`);
    return state;
  }
}
