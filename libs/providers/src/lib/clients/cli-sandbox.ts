import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, sep } from 'node:path';

/**
 * Where a `cli` provider's command runs. A tenant's prompt drives that command (an agent that runs
 * shell commands), so by default it runs under bubblewrap: an empty working folder of its own, no
 * view of the repository, the data folder, other processes or the Docker socket, and an environment
 * that holds only what it was given. `none` runs it directly (still in an empty folder): only for a
 * machine where every tenant is trusted, or where bubblewrap cannot run (a container without user
 * namespaces).
 *
 * Why bubblewrap rather than a container: it needs no Docker engine next to the control plane (which
 * must never hold the Docker socket), starts in milliseconds, and ships in Debian.
 */
export type CliSandbox = { kind: 'bubblewrap'; readOnlyPaths: string[] } | { kind: 'none' };

export const CLI_SANDBOX_KINDS = ['bubblewrap', 'none'] as const;

/**
 * The call's folder inside the sandbox, and the HOME that agents keep their state in. A name no
 * system or read-only folder would have, so binding it never hides one of them.
 */
export const SANDBOX_WORK_DIR = '/oz-call';
const SANDBOX_HOME = `${SANDBOX_WORK_DIR}/.home`;
/** Nobody: the command owns only its own folder, whatever user the server runs as. */
const SANDBOX_UID = '65534';

/** The system folders a command needs to run at all; all read-only. */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What of /etc a program needs for names, certificates and time; never the rest (keys, configs). */
const ETC_PATHS = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/gai.conf',
  '/etc/group',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/ld.so.cache',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/resolv.conf',
  '/etc/ssl',
];

export interface SandboxedSpawn {
  file: string;
  args: string[];
  /** The host folder the process starts in (without a sandbox it is the call's folder itself). */
  cwd: string;
  /** Additions to the command's environment: where HOME and TMPDIR are in its view. */
  env: Record<string, string>;
}

/** How to spawn `command args` for one call whose private folder on the host is `workDir`. */
export function sandboxedSpawn(sandbox: CliSandbox, workDir: string, command: string, args: string[]): SandboxedSpawn {
  if (sandbox.kind === 'none') {
    return { file: command, args, cwd: workDir, env: { HOME: join(workDir, '.home'), TMPDIR: workDir } };
  }
  return {
    file: 'bwrap',
    args: [...bubblewrapArgs(sandbox.readOnlyPaths, workDir), '--', command, ...args],
    cwd: workDir,
    env: { HOME: SANDBOX_HOME, TMPDIR: '/tmp' },
  };
}

function bubblewrapArgs(readOnlyPaths: string[], workDir: string): string[] {
  const args = [
    // New namespaces for everything but the network (the command must reach its provider or the
    // gateway); in a new pid namespace with its own /proc it sees no process but its own.
    '--unshare-all',
    '--share-net',
    '--unshare-user',
    '--uid',
    SANDBOX_UID,
    '--gid',
    SANDBOX_UID,
    '--die-with-parent',
    '--new-session',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
  ];
  for (const path of SYSTEM_PATHS) args.push(...systemPathArgs(path));
  for (const path of ETC_PATHS) args.push('--ro-bind-try', path, path);
  for (const path of readOnlyPaths) args.push('--ro-bind', path, path);
  args.push('--bind', workDir, SANDBOX_WORK_DIR, '--chdir', SANDBOX_WORK_DIR);
  return args;
}

/** Merged-/usr systems link /bin to usr/bin: the link is recreated rather than the folder bound twice. */
function systemPathArgs(path: string): string[] {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return ['--symlink', readlinkSync(path), path];
    return ['--ro-bind', path, path];
  } catch {
    return [];
  }
}

const workingSandboxes = new Map<string, string | null>();

/**
 * Start-up check for a cli provider's sandbox: bubblewrap is installed and can create its namespaces
 * here, and the command is inside what the sandbox shows. Null when all is well.
 */
export function cliSandboxProblem(sandbox: CliSandbox, command: string, path: string | undefined): string | null {
  if (sandbox.kind === 'none') return null;
  const broken = bubblewrapProblem();
  if (broken) return broken;
  const resolved = resolveCommand(command, path);
  if (!resolved) return null; // the command check names a missing command
  const visible = [...SYSTEM_PATHS, ...sandbox.readOnlyPaths].some((root) => resolved === root || resolved.startsWith(root.endsWith(sep) ? root : root + sep));
  return visible
    ? null
    : `command ${command} (${resolved}) is outside what the sandbox shows; add its folder to OZ_CLI_SANDBOX_READ_ONLY_PATHS, or install it under /usr`;
}

function bubblewrapProblem(): string | null {
  const cached = workingSandboxes.get('bubblewrap');
  if (cached !== undefined) return cached;
  const probe = spawnSync('bwrap', [...bubblewrapArgs([], '/'), '--', 'true'], { env: {}, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  let problem: string | null = null;
  if (probe.error) {
    problem = `bubblewrap (bwrap) is needed to sandbox cli providers and is not installed (apt-get install bubblewrap), or set OZ_CLI_SANDBOX=none (unsafe: the command then sees this host)`;
  } else if (probe.status !== 0) {
    const said = probe.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    problem = `bubblewrap cannot create a sandbox here (${said || `exit ${probe.status}`}): user namespaces may be disabled; see docs/providers.md`;
  }
  workingSandboxes.set('bubblewrap', problem);
  return problem;
}

function resolveCommand(command: string, path: string | undefined): string | null {
  const candidates = isAbsolute(command) ? [command] : command.includes('/') ? [] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    if (existsSync(candidate)) {
      try {
        return realpathSync(candidate);
      } catch {
        return candidate;
      }
    }
  }
  return null;
}
