/** SSE fan-out helpers: a bare SSE server to compare the workspace API with, and many SSE subscribers. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * The least an SSE fan-out can do, in its own process like the workspace: `GET /` subscribes,
 * `POST /` `{content}` publishes `event: message` to every subscriber, either straight away or
 * through a Redis stream (`XADD`, and one reader blocked in `XREAD` fanning out what it reads).
 * No framework, no database, no auth: what is left is HTTP, Redis and the fan-out loop.
 */
const BARE_SERVER = `
const http = require('node:http');
const Redis = require('ioredis');
const subscribers = new Set();
const key = 'oz:bench:bare:' + process.pid + ':' + Date.now();
let seq = 0;
const fanOut = (id, json) => {
  const frame = 'id: ' + id + '\\nevent: message\\ndata: ' + json + '\\n\\n';
  for (const response of subscribers) response.write(frame);
};
const url = process.env['BARE_REDIS_URL'];
const writer = url ? new Redis(url) : null;
if (url) {
  const reader = new Redis(url);
  (async () => {
    for (let cursor = '0-0'; ; ) {
      const result = await reader.xread('COUNT', 500, 'BLOCK', 0, 'STREAMS', key, cursor);
      for (const [id, fields] of result[0][1]) (cursor = id), fanOut(id, fields[1]);
    }
  })();
}
const server = http.createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write('id: 0-0\\nevent: heartbeat\\ndata: {}\\n\\n');
    subscribers.add(response);
    request.on('close', () => subscribers.delete(response));
    return;
  }
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', async () => {
    const json = JSON.stringify({ content: JSON.parse(body).content });
    if (writer) await writer.xadd(key, 'MAXLEN', '~', '10000', '*', 'data', json);
    else fanOut(Date.now() + '-' + seq++, json);
    response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export async function startBareSseServer(redisUrl: string | null): Promise<{ origin: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], {
    cwd: ROOT, // so that require('ioredis') resolves
    env: { ...process.env, BARE_REDIS_URL: redisUrl ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bare SSE server exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, process: child };
}

// A frame's `id:`, `event:` and `data:` lines (these frames have one-line data).
const ID_LINE = /^id: (.*)$/m;
const EVENT_LINE = /^event: (.*)$/m;
const DATA_LINE = /^data: (.*)$/m;
const OPEN_BATCH = 250;

/** Called for every frame but heartbeats, with the time its chunk reached this process (`performance.now()`). */
export type FrameListener = (subscriber: number, frame: { id: string; event: string; data: string }, receivedAt: number) => void;

/**
 * N SSE connections to one URL, over node:http (no connection limit), each parsed just enough to
 * find its frames' `event:` and `data:` lines. `open` resolves once every stream sent its first frame
 * (the heartbeat), that is once every subscriber is registered on the server.
 */
export class SseSubscribers {
  private readonly agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  private readonly requests: http.ClientRequest[] = [];

  private constructor(private readonly onFrame: FrameListener) {}

  static async open(url: string, count: number, headers: Record<string, string>, onFrame: FrameListener): Promise<SseSubscribers> {
    const subscribers = new SseSubscribers(onFrame);
    try {
      // A few hundred at a time, within the server's listen backlog.
      for (let first = 0; first < count; first += OPEN_BATCH) {
        const batch = Array.from({ length: Math.min(OPEN_BATCH, count - first) }, (_, i) => subscribers.connect(url, first + i, headers));
        await Promise.all(batch);
      }
    } catch (error) {
      subscribers.close();
      throw error;
    }
    return subscribers;
  }

  close(): void {
    for (const request of this.requests) request.destroy();
    this.agent.destroy();
  }

  private connect(url: string, index: number, headers: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber ${index}: no heartbeat within 30 s`)), 30_000);
      const request = http.get(url, { agent: this.agent, headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        if (response.statusCode !== 200) {
          clearTimeout(timer);
          reject(new Error(`subscriber ${index}: HTTP ${response.statusCode}`));
          response.resume();
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          const receivedAt = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = EVENT_LINE.exec(frame)?.[1] ?? 'message';
            if (event === 'heartbeat') {
              clearTimeout(timer);
              resolve();
            } else {
              this.onFrame(index, { id: ID_LINE.exec(frame)?.[1] ?? '', event, data: DATA_LINE.exec(frame)?.[1] ?? '' }, receivedAt);
            }
          }
        });
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      this.requests.push(request);
    });
  }
}
