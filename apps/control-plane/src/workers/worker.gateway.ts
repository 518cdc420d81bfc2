import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import { WORKER_WS_PATH, type WorkerToServerMessage } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { DispatcherService } from './dispatcher.service';
import { DispatchRepository } from './dispatch.repository';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import type { VerifiedUpgrade } from './worker-ws.adapter';

const MESSAGE_TYPES = new Set(['task_claimed', 'task_rejected', 'task_completed', 'task_failed', 'task_started', 'task_log']);
/**
 * The official worker pings every 30 s and gives up after 60 s of silence; we ping at least as often,
 * and three times per lease, so a worker busy with a quiet task keeps its runs' leases alive.
 */
const PING_EVERY_MS = 30_000;

/**
 * The self-hosted worker channel: one JSON `{type, data}` envelope per text frame, in the official
 * worker's message set. Authentication happened at the upgrade (WorkerWsAdapter).
 */
@WebSocketGateway({ path: WORKER_WS_PATH })
export class WorkerGateway implements OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly logger = new Logger('worker-gateway');
  private readonly bySocket = new Map<WebSocket, WorkerConnection>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
    private readonly registry: WorkerRegistry,
    private readonly dispatcher: DispatcherService,
    private readonly runs: DispatchRepository,
  ) {
    this.pinger = setInterval(() => this.pingAll(), Math.min(PING_EVERY_MS, Math.floor(config.workers.leaseMs / 3)));
  }

  async handleConnection(socket: WebSocket, request: VerifiedUpgrade): Promise<void> {
    const worker = request.worker;
    if (!worker) {
      socket.close(1008, 'not authenticated');
      return;
    }
    const connection: WorkerConnection = {
      id: randomUUID(),
      workerId: worker.workerId,
      socket,
      maxConcurrentTasks: worker.maxConcurrentTasks,
      tasks: new Set(),
      full: false,
      lastSeenAt: 0,
      answeredPing: true,
    };
    // Pings either way are signs of life (the official worker pings every 30 s).
    socket.on('pong', () => {
      connection.answeredPing = true;
      void this.dispatcher.seen(connection).catch(() => undefined);
    });
    socket.on('ping', () => void this.dispatcher.seen(connection).catch(() => undefined));
    // One message at a time per connection, in arrival order: a task's logs must be stored before its
    // completion is handled (the log tail can stand in for the output), and a claim before a start.
    let inOrder = Promise.resolve();
    socket.on('message', (raw, isBinary) => {
      const text = raw.toString();
      inOrder = inOrder.then(() => this.onMessage(connection, text, isBinary));
    });
    this.bySocket.set(socket, connection);
    this.registry.add(connection);
    await this.runs.connectionOpened(connection.id, connection.workerId, this.dispatcher.replica, connection.maxConcurrentTasks);
    this.logger.log({ workerId: connection.workerId, connectionId: connection.id }, 'worker.connected');
    this.dispatcher.dispatch();
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    const connection = this.bySocket.get(socket);
    if (!connection) return;
    this.bySocket.delete(socket);
    this.registry.remove(connection.id);
    // Its runs stay with the worker: it reconnects and carries on; only a lapsed lease ends them.
    await this.runs.connectionClosed(connection.id).catch(() => undefined);
    this.logger.log({ workerId: connection.workerId, connectionId: connection.id, tasks: connection.tasks.size }, 'worker.disconnected');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pinger);
    for (const socket of this.bySocket.keys()) socket.close(1001, 'control plane shutting down');
  }

  private async onMessage(connection: WorkerConnection, text: string, isBinary: boolean): Promise<void> {
    const message = parseMessage(text, isBinary);
    if (!message) {
      this.logger.warn({ workerId: connection.workerId }, 'worker.bad_message');
      return;
    }
    try {
      await this.dispatcher.handle(connection, message);
    } catch (error) {
      this.logger.error({ err: error, workerId: connection.workerId, type: message.type }, 'worker.message_failed');
    }
  }

  /** A connection that did not answer the previous ping is dead, whatever TCP thinks. */
  private pingAll(): void {
    for (const [socket, connection] of this.bySocket) {
      if (!connection.answeredPing) {
        socket.terminate();
        continue;
      }
      connection.answeredPing = false;
      socket.ping();
    }
  }
}

/** An envelope of a known type whose data names a task, else null (logged and dropped, as the official worker does). */
function parseMessage(text: string, isBinary: boolean): WorkerToServerMessage | null {
  if (isBinary) return null;
  try {
    const parsed = JSON.parse(text) as { type?: unknown; data?: { task_id?: unknown } };
    if (typeof parsed.type !== 'string' || !MESSAGE_TYPES.has(parsed.type)) return null;
    if (!parsed.data || typeof parsed.data !== 'object' || typeof parsed.data.task_id !== 'string') return null;
    return parsed as WorkerToServerMessage;
  } catch {
    return null;
  }
}
