import { Injectable } from '@nestjs/common';
import type { ServerToWorkerMessage } from '@oz/contract';
import type { WebSocket } from 'ws';

/** One open WebSocket of a worker on this replica. */
export interface WorkerConnection {
  id: string;
  workerId: string;
  socket: WebSocket;
  /** Announced by our worker (`max_concurrent_tasks` query parameter); null for the official worker. */
  maxConcurrentTasks: number | null;
  /** Runs assigned through this connection and not yet ended. */
  tasks: Set<string>;
  /** Set by a task_rejected: no more assignments until one of its tasks ends. */
  full: boolean;
  lastSeenAt: number;
  /** False from a ping until its pong. */
  answeredPing: boolean;
}

/**
 * The worker connections of this replica. Each replica dispatches only to its own connections;
 * a worker connected to several replicas (or reconnecting to another) is simply several connections.
 */
@Injectable()
export class WorkerRegistry {
  private readonly connections = new Map<string, WorkerConnection>();
  private roundRobin = 0;

  add(connection: WorkerConnection): void {
    this.connections.set(connection.id, connection);
  }

  remove(id: string): WorkerConnection | undefined {
    const connection = this.connections.get(id);
    this.connections.delete(id);
    return connection;
  }

  all(): WorkerConnection[] {
    return [...this.connections.values()];
  }

  /** Connections that may take one more run, least loaded first, ties taken in turn. */
  withCapacity(): WorkerConnection[] {
    const open = this.all().filter((c) => c.socket.readyState === c.socket.OPEN && !c.full);
    const free = open.filter((c) => c.maxConcurrentTasks === null || c.tasks.size < c.maxConcurrentTasks);
    this.roundRobin++;
    return free
      .map((c, i) => ({ c, order: (i + this.roundRobin) % Math.max(1, free.length) }))
      .sort((a, b) => a.c.tasks.size - b.c.tasks.size || a.order - b.order)
      .map(({ c }) => c);
  }

  /** The connection holding `taskId`, else any open connection of `workerId`. */
  connectionFor(taskId: string, workerId: string | null): WorkerConnection | undefined {
    const all = this.all();
    return all.find((c) => c.tasks.has(taskId)) ?? all.find((c) => c.workerId === workerId && c.socket.readyState === c.socket.OPEN);
  }

  /** A task ended (or was handed back): free its slot wherever it was. */
  release(taskId: string): void {
    for (const connection of this.connections.values()) {
      if (connection.tasks.delete(taskId)) connection.full = false;
    }
  }

  send(connection: WorkerConnection, message: ServerToWorkerMessage): Promise<void> {
    return new Promise((resolve, reject) => connection.socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  }
}
