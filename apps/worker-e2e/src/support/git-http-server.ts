import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A git server over smart HTTP on 127.0.0.1, as a forge is: `git http-backend` (CGI) behind HTTP
 * Basic auth, one user and password per repository. Clones, fetches and pushes go through it for
 * real, so a test sees which credentials git sent for which repository.
 */
export interface GitHttpServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** What arrived: the repository path (`acme/app.git`), who it claimed to be, and the answer. */
  readonly requests: GitRequest[];
  /** A branch's commit in a repository here, or null. */
  branch(repository: string, name: string): string | null;
  close(): Promise<void>;
}

export interface GitRequest {
  method: string;
  repository: string;
  service: string | null;
  user: string | null;
  password: string | null;
  status: number;
}

export interface GitRepositorySpec {
  /** e.g. `acme/app.git` */
  path: string;
  user: string;
  password: string;
  /** One commit per entry, each writing README.md with that text. */
  commits: string[];
}

export async function startGitHttpServer(repositories: GitRepositorySpec[]): Promise<GitHttpServer> {
  const root = mkdtempSync(join(tmpdir(), 'oz-git-server-'));
  for (const repository of repositories) createRepository(join(root, repository.path), repository.commits);
  const requests: GitRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://git');
    const body = await readBody(req);
    const repositoryPath = url.pathname.match(/^\/(.+?\.git)(\/|$)/)?.[1] ?? '';
    const { user, password } = basicAuth(req.headers.authorization);
    const spec = repositories.find((r) => r.path === repositoryPath);
    const record = (status: number) =>
      requests.push({ method: req.method ?? '', repository: repositoryPath, service: url.searchParams.get('service'), user, password, status });
    if (!spec) {
      record(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found\n');
      return;
    }
    if (user !== spec.user || password !== spec.password) {
      record(401);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' }).end('Unauthorized\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(body.length),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: user ?? '',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    cgi.stdin.end(body);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(cgi, 'close');
    const output = Buffer.concat(chunks);
    const split = output.indexOf('\r\n\r\n') >= 0 ? output.indexOf('\r\n\r\n') : output.indexOf('\n\n');
    const separator = output.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of output.subarray(0, split).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    record(status);
    res.writeHead(status, headers).end(output.subarray(split + separator));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    requests,
    branch: (repository, name) => {
      try {
        return execFileSync('git', ['--git-dir', join(root, repository), 'rev-parse', '--verify', '--quiet', `refs/heads/${name}`], { encoding: 'utf8' }).trim();
      } catch {
        return null;
      }
    },
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function createRepository(bare: string, commits: string[]): void {
  mkdirSync(bare, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  const work = mkdtempSync(join(tmpdir(), 'oz-git-work-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd: work, stdio: 'pipe' });
  try {
    git('init', '-q', '-b', 'main');
    for (const text of commits) {
      writeFileSync(join(work, 'README.md'), `${text}\n`);
      git('add', 'README.md');
      git('commit', '-qm', text);
    }
    git('push', '-q', bare, 'main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function basicAuth(header: string | undefined): { user: string | null; password: string | null } {
  const match = header?.match(/^Basic (.+)$/i);
  if (!match?.[1]) return { user: null, password: null };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
