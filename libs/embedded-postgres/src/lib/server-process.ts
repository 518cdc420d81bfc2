import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { forwardLines, RecentLines } from './output-lines';
import type { ServerAccount } from './server-account';

export interface ServerLaunch {
  postgres: string;
  dataDir: string;
  port: number;
  url: string;
  account: ServerAccount | undefined;
  /** A throwaway cluster trades crash safety for speed. */
  durable: boolean;
  log: (line: string) => void;
}

export class PortTakenError extends Error {}

const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** Starts a postmaster and resolves once it accepts connections on launch.url. */
export async function launchServer(launch: ServerLaunch): Promise<ServerProcess> {
  const server = new ServerProcess(launch);
  try {
    await server.waitUntilReady(launch.url);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export class ServerProcess {
  private readonly child: ChildProcess;
  private readonly recent = new RecentLines();
  private readonly closed: Promise<void>;
  private hasClosed = false;
  // Last resort for an owner that exits without calling stop(): kill() is synchronous, so it
  // still runs inside an 'exit' listener.
  private readonly stopOnExit = () => this.child.kill('SIGINT');

  constructor(launch: ServerLaunch) {
    this.child = spawn(launch.postgres, serverArgs(launch), {
      cwd: launch.dataDir,
      // Own process group: a Ctrl-C in the terminal reaches the owner, which stops the apps
      // using the database before stopping the database.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: launch.account?.uid,
      gid: launch.account?.gid,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      forwardLines(stream as NonNullable<typeof stream>, (line) => {
        this.recent.add(line);
        launch.log(line);
      });
    }
    this.closed = new Promise((resolve) =>
      this.child.once('close', () => {
        this.hasClosed = true;
        resolve();
      }),
    );
    // A spawn failure (missing binary) arrives as 'error' followed by 'close'.
    this.child.once('error', (error) => this.recent.add(String(error)));
    process.once('exit', this.stopOnExit);
  }

  async waitUntilReady(url: string): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!(await acceptsConnections(url))) {
      if (this.hasClosed) {
        const output = this.recent.toString();
        if (output.includes('could not bind') || output.includes('Address already in use')) {
          throw new PortTakenError(output);
        }
        throw new Error(`PostgreSQL exited during start-up:\n${output}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL accepted no connection within ${STARTUP_TIMEOUT_MS} ms:\n${this.recent}`);
      }
      await delay(100);
    }
  }

  /** Fast shutdown: rolls back open transactions, disconnects clients, writes a checkpoint. */
  async stop(): Promise<void> {
    process.off('exit', this.stopOnExit);
    if (this.hasClosed) return;
    this.child.kill('SIGINT');
    const timedOut = await Promise.race([
      this.closed.then(() => false),
      delay(SHUTDOWN_TIMEOUT_MS, true, { ref: false }),
    ]);
    if (timedOut) {
      // Immediate shutdown; the next start runs crash recovery.
      this.child.kill('SIGQUIT');
      await this.closed;
    }
  }
}

function serverArgs(launch: ServerLaunch): string[] {
  const settings = [
    'listen_addresses=127.0.0.1',
    // No Unix socket: nothing to collide with another server's socket in /tmp.
    'unix_socket_directories=',
    ...(launch.durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
  ];
  return ['-D', launch.dataDir, '-p', String(launch.port), ...settings.flatMap((setting) => ['-c', setting])];
}

async function acceptsConnections(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  // Errors after connect (e.g. the server shutting down) must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
