import { Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import { WORKER_WS_PATH } from '@oz/contract';
import type { RawData, WebSocket } from 'ws';
import { RunDispatcher } from './run-dispatcher';
import { parseWorkerMessage } from './worker-message';
import { WorkerLeases } from './worker-leases';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerReports } from './worker-reports';
import type { VerifiedUpgrade } from './worker-ws.adapter';

/**
 * Messages a connection may have waiting to be handled, and their bytes: past either, the worker is
 * sending faster than its messages can be stored, and the connection is closed (1008) rather than
 * buffered without bound. Our worker never gets near them: it rate-limits its logs and waits for its
 * socket to drain.
 */
export const MAX_WAITING_MESSAGES = 1_000;
export const MAX_WAITING_BYTES = 16 * 1024 * 1024;

/**
 * The self-hosted worker channel: one JSON `{type, data}` envelope per text frame, in the official
 * worker's message set. Authentication and the frame size limit are the upgrade's and the socket's
 * (WorkerWsAdapter). The gateway is the transport only: it registers the connection, hands each frame
 * on in order through a bounded queue, and reports every sign of life (message, ping, pong) to the leases.
 */
@WebSocketGateway({ path: WORKER_WS_PATH })
export class WorkerGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('worker-gateway');

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly leases: WorkerLeases,
    private readonly reports: WorkerReports,
    private readonly dispatcher: RunDispatcher,
  ) {}

  async handleConnection(socket: WebSocket, request: VerifiedUpgrade): Promise<void> {
    const worker = request.worker;
    if (!worker) {
      socket.close(1008, 'not authenticated');
      return;
    }
    const connection = this.registry.add(socket, worker);
    // Pings either way are signs of life (the official worker pings every 30 s).
    const signOfLife = () => void this.leases.seen(connection).catch(() => undefined);
    socket.on('pong', signOfLife);
    socket.on('ping', signOfLife);
    // One message at a time per connection, in arrival order: a task's logs must be stored before its
    // completion is handled (the log tail can stand in for the output), and a claim before a start.
    let inOrder = Promise.resolve();
    let waiting = 0;
    let waitingBytes = 0;
    let refused = false;
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      if (refused) return;
      const size = byteLength(raw);
      if (waiting >= MAX_WAITING_MESSAGES || waitingBytes + size > MAX_WAITING_BYTES) {
        refused = true;
        this.logger.warn({ workerId: worker.workerId, waiting, waitingBytes }, 'worker.queue_full');
        socket.close(1008, 'too many messages waiting');
        return;
      }
      waiting++;
      waitingBytes += size;
      const text = raw.toString();
      inOrder = inOrder
        .then(() => this.receive(connection, text, isBinary))
        .finally(() => {
          waiting--;
          waitingBytes -= size;
        });
    });
    await this.registry.announce(connection);
    this.dispatcher.dispatch();
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    await this.registry.remove(socket);
  }

  private async receive(connection: WorkerConnection, text: string, isBinary: boolean): Promise<void> {
    const message = parseWorkerMessage(text, isBinary);
    if (!message) {
      this.logger.warn({ workerId: connection.workerId }, 'worker.bad_message');
      return;
    }
    try {
      await this.leases.seen(connection);
      await this.reports.handle(connection, message);
    } catch (error) {
      this.logger.error({ err: error, workerId: connection.workerId, type: message.type }, 'worker.message_failed');
    }
  }
}

function byteLength(raw: RawData): number {
  if (Array.isArray(raw)) return raw.reduce((total, part) => total + part.length, 0);
  return raw instanceof ArrayBuffer ? raw.byteLength : raw.length;
}
