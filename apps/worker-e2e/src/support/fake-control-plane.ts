import type { FakeLlmServer } from '@oz/testing';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a task container's entrypoint talks to, played on 127.0.0.1 (task containers of these tests
 * use the host's network): the task report routes of the control plane (the contract the sidecar's
 * entrypoint follows, docker/sidecar/README.md) and, for the harness CLIs, an LLM gateway that passes
 * Anthropic requests on to a fake provider as they are (headers included, so a test sees which key a
 * CLI used).
 *
 *   POST /api/v1/agent/runs/:run/task/logs      text/plain, lines separated by \n   → 204
 *   POST /api/v1/agent/runs/:run/task/output    text/plain, the output              → 204
 *   POST /api/v1/agent/runs/:run/task/finished  application/json {"exit_code": N}   → 204
 *   *    /api/v1/llm/anthropic/…                → the fake Anthropic server's /…
 */
export interface FakeControlPlane {
  /** What OZ_API_BASE_URL holds: http://127.0.0.1:PORT/api/v1 */
  readonly apiBaseUrl: string;
  /** Every task report that arrived, in order, with its auth. */
  readonly reports: TaskReport[];
  /** Requests passed to the LLM provider, with the URL as the CLI sent it (query included). */
  readonly gatewayCalls: Array<{ url: string; headers: IncomingHttpHeaders }>;
  /** The log lines reported for `runId`, batches joined in order. */
  logLines(runId: string): string[];
  /** The run's `finished` report; waits for it. */
  finished(runId: string, timeoutMs?: number): Promise<TaskReport>;
  /** Makes the logs route answer this status from now on (null: 204 again). */
  failLogs(status: number | null): void;
  close(): Promise<void>;
}

export interface TaskReport {
  kind: 'logs' | 'output' | 'finished';
  runId: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  /** The status the fake answered. */
  status: number;
  receivedAt: number;
}

export async function startFakeControlPlane(options: { token: string; anthropic?: FakeLlmServer }): Promise<FakeControlPlane> {
  const reports: TaskReport[] = [];
  const gatewayCalls: FakeControlPlane['gatewayCalls'] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let logsStatus: number | null = null;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const gateway = url.match(/^\/api\/v1\/llm\/anthropic(\/.*)$/);
    if (gateway && options.anthropic) return forward(req, res, `${options.anthropic.url}${gateway[1]}`);
    const body = await readBody(req);
    const route = url.match(/^\/api\/v1\/agent\/runs\/([^/]+)\/task\/(logs|output|finished)$/);
    if (req.method !== 'POST' || !route) return answer(res, 404);
    const kind = route[2] as TaskReport['kind'];
    const authorization = req.headers.authorization;
    let status = authorization === `Bearer ${options.token}` ? 204 : 401;
    if (status === 204 && kind === 'logs' && logsStatus !== null) status = logsStatus;
    reports.push({ kind, runId: decodeURIComponent(route[1] ?? ''), authorization, contentType: req.headers['content-type'], body, status, receivedAt: Date.now() });
    waiters.forEach((wake) => wake());
    answer(res, status);
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: string): void {
    gatewayCalls.push({ url: req.url ?? '', headers: req.headers });
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    apiBaseUrl: `${origin}/api/v1`,
    reports,
    gatewayCalls,
    logLines: (runId) =>
      reports
        .filter((report) => report.kind === 'logs' && report.runId === runId && report.status === 204)
        .flatMap((report) => report.body.split('\n')),
    finished: (runId, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const look = () => {
          const report = reports.find((r) => r.kind === 'finished' && r.runId === runId);
          if (!report) return;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(report);
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no finished report for ${runId} within ${timeoutMs} ms (got ${reports.map((r) => r.kind).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.add(look);
        look();
      }),
    failLogs: (status) => void (logsStatus = status),
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
