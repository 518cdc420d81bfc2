import { WORKER_WS_PATH, type RunningTask, type ServerToWorkerMessage, type TaskLeases } from '@oz/contract';
import { WebSocket } from 'ws';

/**
 * A worker driven by the test: it connects like the official worker (bearer token at the upgrade,
 * `worker_id` in the query), records what the server sends and sends exactly what the test says.
 */
export interface ScriptedWorker {
  readonly workerId: string;
  readonly received: ServerToWorkerMessage[];
  /** The next message of `type` not yet taken (waits for it). */
  next<T extends ServerToWorkerMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<ServerToWorkerMessage, { type: T }>['data']>;
  send(type: string, data: Record<string, unknown>): Promise<void>;
  /**
   * Our worker's extension: reports the tasks this connection executes (`running_tasks`) and returns
   * the control plane's answer (`task_leases`).
   */
  report(tasks: RunningTask[]): Promise<TaskLeases>;
  /** Settles when the server closed the connection, with its close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function connectScriptedWorker(
  origin: string,
  token: string,
  workerId: string,
  query: Record<string, string> = {},
): Promise<ScriptedWorker> {
  const url = new URL(WORKER_WS_PATH, origin.replace(/^http/, 'ws'));
  url.searchParams.set('worker_id', workerId);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const received: ServerToWorkerMessage[] = [];
  const taken = new Set<ServerToWorkerMessage>();
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  let reports = 0;
  socket.on('message', (raw) => {
    received.push(JSON.parse(raw.toString()) as ServerToWorkerMessage);
    waiters.forEach((wake) => wake());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });
  const worker: ScriptedWorker = {
    workerId,
    received,
    closed,
    next: (type, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const look = () => {
          const message = received.find((m) => m.type === type && !taken.has(m));
          if (!message) return false;
          taken.add(message);
          waiters.delete(look);
          clearTimeout(timer);
          resolve(message.data as never);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`${workerId}: no ${type} within ${timeoutMs} ms (got ${received.map((m) => m.type).join(', ') || 'nothing'})`));
        }, timeoutMs);
        if (!look()) waiters.add(look);
      }),
    send: (type, data) =>
      new Promise((resolve, reject) => socket.send(JSON.stringify({ type, data }), (error) => (error ? reject(error) : resolve()))),
    report: async (tasks) => {
      const reportId = ++reports;
      await worker.send('running_tasks', { report_id: reportId, tasks });
      for (;;) {
        const answer = await worker.next('task_leases');
        if (answer.report_id === reportId) return answer;
      }
    },
    close: async () => {
      if (socket.readyState === socket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    },
  };
  return worker;
}

/** The HTTP status a refused upgrade answered with. */
export function upgradeStatus(origin: string, headers: Record<string, string>, query: string): Promise<number> {
  const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}${WORKER_WS_PATH}?${query}`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}
