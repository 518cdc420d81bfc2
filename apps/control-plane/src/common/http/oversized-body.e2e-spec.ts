import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@oz/testing';
import OzAPI from 'oz-agent-sdk';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../../testing/control-plane-harness';

const TWELVE_MB = 12 * 1024 * 1024;

/** What a client sending `body` in one go over a raw connection gets: any error writing it, and the answer. */
function sendRaw(origin: string, head: string, body: Buffer): Promise<{ writeError: string | null; answer: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let writeError: string | null = null;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('error', (error: NodeJS.ErrnoException) => (writeError = error.code ?? error.message));
    socket.on('close', () => resolve({ writeError, answer }));
    socket.write(head);
    socket.end(body);
  });
}

/**
 * Sends `attempts` 12 MB creates from another Node process, as a client really does, with Node's
 * fetch or the official SDK (default retries), and returns what each attempt ended with. Whether a
 * server that closes early breaks such a client is a race: before the fix some of ten attempts
 * ended in `fetch failed: EPIPE`, and the SDK retried them into an APIConnectionError. The
 * raw-connection test shows the early close itself, every time.
 */
async function createsFromAnotherProcess(client: 'fetch' | 'sdk', baseUrl: string, token: string, attempts: number): Promise<string[]> {
  const script = `
    const { default: OzAPI } = require('oz-agent-sdk');
    const [client, baseURL, token, attempts] = process.argv.slice(1);
    const body = JSON.stringify({ prompt: 'x'.repeat(${TWELVE_MB}) });
    const sdk = new OzAPI({ apiKey: token, baseURL, logLevel: 'off' });
    const once = async () => {
      if (client === 'sdk') {
        try { await sdk.agent.run(JSON.parse(body)); return 'created'; }
        catch (e) { return e.constructor.name + ' ' + e.message; }
      }
      try {
        const response = await fetch(baseURL + '/agent/run', { method: 'POST', body, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' } });
        return response.status + ' ' + response.headers.get('x-should-retry') + ' ' + (await response.json()).message;
      } catch (e) { return 'fetch failed: ' + (e.cause?.code ?? e.message); }
    };
    (async () => { const results = []; for (let i = 0; i < Number(attempts); i++) results.push(await once()); console.log(JSON.stringify(results)); })();
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, client, baseUrl, token, String(attempts)], {
    cwd: REPO_ROOT, // where oz-agent-sdk resolves
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as string[];
}

/**
 * A body over OZ_MAX_BODY_BYTES (10 MiB by default) is answered 413 with the JSON error body, and the
 * client gets to read that answer: the server takes in the rest of what the client sends (up to a
 * bound) before it answers, instead of closing while the client is still writing (EPIPE/ECONNRESET,
 * after which Node's fetch fails and the SDK retries).
 */
describe('an oversized request body', () => {
  let cp: ControlPlaneHarness;
  /** Create requests the HTTP server received, counted at the server itself. */
  let createRequests = 0;
  const countCreates = (request: IncomingMessage) => {
    if (request.method === 'POST' && request.url?.startsWith('/api/v1/agent/run')) createRequests++;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    cp.app.getHttpServer().on('request', countCreates);
  });
  afterAll(async () => {
    cp.app.getHttpServer().off('request', countCreates);
    await cp.close();
  });
  beforeEach(() => (createRequests = 0));

  const hugeBody = () => JSON.stringify({ prompt: 'x'.repeat(TWELVE_MB) });

  it('is read to its end before the 413 goes out, so the sender’s writes never fail', async () => {
    const body = Buffer.from(hugeBody());
    const head =
      `POST /api/v1/agent/run HTTP/1.1\r\nHost: oz\r\nAuthorization: Bearer ${tenantToken()}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { writeError, answer } = await sendRaw(cp.origin, head, body);
    expect(writeError).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; message: string };
    expect(json).toMatchObject({ code: 'body_too_large', message: 'Request body is too large' });
  });

  it('gives Node’s fetch a 413 with a JSON message every time, not a broken connection', async () => {
    // Closing early broke some of the attempts (a race with the client reading the answer).
    const results = await createsFromAnotherProcess('fetch', cp.apiBaseUrl, tenantToken(), 10);
    expect(results).toEqual(Array(10).fill('413 false Request body is too large'));
    expect(createRequests).toBe(10);
  });

  it('gives the official SDK an APIError 413 with the message, which it does not retry', async () => {
    const results = await createsFromAnotherProcess('sdk', cp.apiBaseUrl, tenantToken(), 10);
    expect(results).toEqual(Array(10).fill('APIError 413 Request body is too large'));
    // One request per attempt: the SDK retries a broken connection (and 408/409/429/5xx), not this 413.
    expect(createRequests).toBe(10);
  });

  it('answers a chunked upload (no Content-Length) that grows past the limit the same way', async () => {
    const chunks = [Buffer.from('{"prompt":"'), Buffer.alloc(TWELVE_MB, 'x'), Buffer.from('"}')];
    const chunked = Buffer.concat(
      chunks.flatMap((chunk) => [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]).concat(Buffer.from('0\r\n\r\n')),
    );
    const head =
      `POST /api/v1/agent/run HTTP/1.1\r\nHost: oz\r\nAuthorization: Bearer ${tenantToken()}\r\n` +
      `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const { writeError, answer } = await sendRaw(cp.origin, head, chunked);
    expect(writeError).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('still serves normal requests afterwards', async () => {
    const run = await cp.sdk(tenantToken()).agent.run({ prompt: 'small' });
    expect(run.state).toBe('QUEUED');
    expect((await new OzAPI({ apiKey: tenantToken(), baseURL: cp.apiBaseUrl }).agent.runs.list()).runs).toEqual([]);
  });
});
