import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerAccount } from './server-account';
import { forwardLines, RecentLines } from './output-lines';

export const SUPERUSER = 'postgres';

// initdb needs an empty directory, so the password joins the cluster only after it exists.
const PASSWORD_FILE = 'embedded-superuser-password';

export interface ClusterDirectory {
  dataDir: string;
  account: ServerAccount | undefined;
  log: (line: string) => void;
}

/** Returns the superuser password, running initdb first when dataDir holds no cluster yet. */
export async function ensureCluster(initdb: string, cluster: ClusterDirectory): Promise<string> {
  const { dataDir, account } = cluster;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (account) await chown(dataDir, account.uid, account.gid);

  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    return readPassword(dataDir);
  }
  const password = randomBytes(16).toString('hex');
  await runInitdb(initdb, cluster, password);
  await writeOwnedFile(join(dataDir, PASSWORD_FILE), password, account);
  return password;
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim();
  } catch {
    throw new Error(`${dataDir} holds a PostgreSQL cluster not created here (no ${PASSWORD_FILE})`);
  }
}

async function runInitdb(initdb: string, cluster: ClusterDirectory, password: string): Promise<void> {
  const passwordFile = join(tmpdir(), `oz-initdb-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeOwnedFile(passwordFile, password, cluster.account);
  try {
    await execInitdb(
      initdb,
      [
        `--pgdata=${cluster.dataDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // The C locale exists on every machine; the OS's other locales may not.
        '--no-locale',
      ],
      cluster,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function execInitdb(initdb: string, args: string[], cluster: ClusterDirectory): Promise<void> {
  const recent = new RecentLines();
  const child = spawn(initdb, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: cluster.account?.uid,
    gid: cluster.account?.gid,
  });
  for (const stream of [child.stdout, child.stderr]) {
    forwardLines(stream, (line) => {
      recent.add(line);
      cluster.log(line);
    });
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const hint = cluster.account
        ? `\n(as root, the postgres account must be able to reach ${cluster.dataDir} and node_modules)`
        : '';
      reject(new Error(`initdb failed with exit code ${code}:\n${recent}${hint}`));
    });
  });
}

async function writeOwnedFile(path: string, content: string, account: ServerAccount | undefined) {
  await writeFile(path, content, { mode: 0o600 });
  if (account) await chown(path, account.uid, account.gid);
}

/**
 * A postmaster.pid left by a killed server blocks the next start once its pid has gone to another
 * process of the server's account (PostgreSQL itself skips pids it may not signal); containers,
 * whose pids restart from 1, hit this often. Remove the file unless it names a live server on
 * this very data directory.
 */
export async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;

  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const owner = Number.isInteger(pid) && pid > 0 ? describeProcess(pid, dataDir) : 'gone';
  if (owner === 'server-on-this-dir') {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it: kill -INT ${pid}`);
  }
  // 'unknown' (no /proc to look at): leave the file and let PostgreSQL judge it.
  if (owner === 'gone' || owner === 'other-process') await rm(pidFile, { force: true });
}

type PidOwner = 'gone' | 'server-on-this-dir' | 'other-process' | 'unknown';

function describeProcess(pid: number, dataDir: string): PidOwner {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(dataDir) ? 'server-on-this-dir' : 'other-process';
  } catch {
    return 'unknown';
  }
}
