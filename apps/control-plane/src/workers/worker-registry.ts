import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_PING_INTERVAL_MS, type ServerToWorkerMessage } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { InjectReplicaId } from '../common/replica-id';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
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

interface ConnectionState {
  socket: WebSocket;
  /** Runs assigned through this connection and not yet ended. */
  tasks: Set<string>;
  /** Set by a task_rejected: no more assignments until one of its tasks ends. */
  full: boolean;
  /** When a sign of life last counted (see `noteSignOfLife`). */
  lastSeenAt: number;
  /** False from a ping until its pong. */
  answeredPing: boolean;
}

/**
 * The worker connections of this replica and their presence, and the only code that changes a
 * connection's state (its tasks, whether it is full, its liveness). Each replica dispatches only to its
 * own connections; a worker connected to several replicas (or reconnecting to another) is simply
 * several connections. Presence is kept in `worker_connections` so every replica can list workers.
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
    const state: ConnectionState = { socket, tasks: new Set(), full: false, lastSeenAt: 0, answeredPing: true };
    socket.on('pong', () => (state.answeredPing = true));
    this.states.set(connection, state);
    this.open.set(socket, connection);
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
    await this.presence.closed(connection.id).catch(() => undefined);
    this.logger.log({ workerId: connection.workerId, connectionId: connection.id, tasks: this.stateOf(connection).tasks.size }, 'worker.disconnected');
  }

  /** Connections that may take one more run, least loaded first, ties taken in turn. */
  withCapacity(): WorkerConnection[] {
    const open = [...this.open.values()].filter((c) => {
      const { socket, full } = this.stateOf(c);
      return socket.readyState === socket.OPEN && !full;
    });
    const load = (c: WorkerConnection) => this.stateOf(c).tasks.size;
    const free = open.filter((c) => c.maxConcurrentTasks === null || load(c) < c.maxConcurrentTasks);
    this.roundRobin++;
    return free
      .map((c, i) => ({ c, order: (i + this.roundRobin) % Math.max(1, free.length) }))
      .sort((a, b) => load(a.c) - load(b.c) || a.order - b.order)
      .map(({ c }) => c);
  }

  /** The connection holding `taskId`, else any open connection of `workerId`. */
  connectionFor(taskId: string, workerId: string | null): WorkerConnection | undefined {
    const all = [...this.open.values()];
    return (
      all.find((c) => this.stateOf(c).tasks.has(taskId)) ??
      all.find((c) => {
        const { socket } = this.stateOf(c);
        return c.workerId === workerId && socket.readyState === socket.OPEN;
      })
    );
  }

  /** `taskId` now takes a slot of `connection` (assigned through it, or claimed on it). */
  hold(connection: WorkerConnection, taskId: string): void {
    this.stateOf(connection).tasks.add(taskId);
  }

  /** The assignment of `taskId` never reached `connection`: its slot is free again. */
  drop(connection: WorkerConnection, taskId: string): void {
    this.stateOf(connection).tasks.delete(taskId);
  }

  /** A task ended (or was handed back): free its slot wherever it was. */
  release(taskId: string): void {
    for (const connection of this.open.values()) {
      const state = this.stateOf(connection);
      if (state.tasks.delete(taskId)) state.full = false;
    }
  }

  /** The worker said it is full (task_rejected): offer it nothing until one of its tasks ends. */
  markFull(connection: WorkerConnection): void {
    this.stateOf(connection).full = true;
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
