import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';

type Handler = (payload: string) => void;

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/**
 * PostgreSQL LISTEN on one dedicated connection (a pooled one would lose its LISTENs when returned).
 * If the connection drops it is re-established with backoff and every `onReconnect` callback runs:
 * notifications sent meanwhile are lost, so listeners catch up by looking at the tables.
 */
@Injectable()
export class PgNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger('pg-notifications');
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = RECONNECT_MIN_MS;
  private closed = false;

  constructor(@Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig) {}

  /** Calls `handler` with each notification's payload on `channel` until the returned function is called. */
  async listen(channel: string, handler: Handler): Promise<() => void> {
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
      if (this.client) await this.client.query(`LISTEN ${quoteIdentifier(channel)}`);
    }
    handlers.add(handler);
    await this.connect().catch((error: Error) => {
      // Not fatal: listeners also poll, and the connection is retried until it comes.
      this.logger.warn({ err: error }, 'listener.connect_failed');
      this.scheduleReconnect();
    });
    return () => handlers.delete(handler);
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'oz-control-plane-listener',
      keepAlive: true,
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.backoffMs = RECONNECT_MIN_MS;
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.logger.warn({ err: error }, 'listener.disconnected');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect()
        .then(() => {
          if (!this.client) return;
          this.logger.log('listener.reconnected');
          for (const handler of this.reconnectHandlers) handler();
        })
        .catch((error: Error) => {
          this.logger.warn({ err: error }, 'listener.reconnect_failed');
          this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        });
    }, this.backoffMs);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
