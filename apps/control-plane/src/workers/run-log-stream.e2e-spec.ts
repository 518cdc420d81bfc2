import { connectScriptedWorker, type ScriptedWorker } from '@oz/testing';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { heldRun, parseSse, workerEnvironment, type SseRecord } from '../testing/held-runs';

const WORKER_TOKEN = 'log-stream-worker-token-0123456789';

/** Reads an SSE response as it comes: `next(n)` waits until `n` events arrived in all. */
function follow(response: Response): { events: SseRecord[]; until(n: number): Promise<SseRecord[]>; ended: Promise<void> } {
  const events: SseRecord[] = [];
  const waiters = new Set<() => void>();
  let text = '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const cut = text.lastIndexOf('\n\n');
      if (cut < 0) continue;
      events.push(...parseSse(text.slice(0, cut + 2)));
      text = text.slice(cut + 2);
      waiters.forEach((wake) => wake());
    }
    waiters.forEach((wake) => wake());
  })();
  return {
    events,
    ended,
    until: (n) =>
      new Promise((resolve, reject) => {
        const look = () => {
          if (events.length >= n) {
            waiters.delete(look);
            resolve(events.slice());
          }
        };
        void ended.then(() => (events.length >= n ? undefined : reject(new Error(`the stream ended after ${events.length} events, not ${n}`))));
        waiters.add(look);
        look();
      }),
  };
}

/**
 * A run's log, live, over server-sent events: lines as the worker sends them (on another replica),
 * resumed with Last-Event-ID, an end event once the run ended; scoped to the run's tenant.
 */
describe('live run logs', () => {
  let writer: ControlPlaneHarness;
  let reader: ControlPlaneHarness;
  let worker: ScriptedWorker;
  const token = tenantToken('logs');

  beforeAll(async () => {
    writer = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200' });
    // A second replica on the same database, with a slow poll: only a notification wakes its streams quickly.
    reader = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '60000' }, writer.database);
    worker = await connectScriptedWorker(writer.origin, WORKER_TOKEN, 'log-worker');
  });
  afterAll(async () => {
    await worker?.close();
    await reader?.close();
    await writer?.close();
  });

  it('streams lines as a worker sends them (through another replica), resumes after Last-Event-ID, and ends after the run ends', async () => {
    const environmentId = await workerEnvironment(writer, token, 'logs-env');
    const run = await heldRun(writer, worker, token, environmentId);
    await worker.send('task_log', { task_id: run.runId, lines: ['first', 'second'] });

    const stream = follow(await reader.request(`/api/v1/agent/runs/${run.runId}/logs/stream`, { token }));
    const early = await stream.until(2);
    expect(early.map((e) => [e.event, JSON.parse(e.data).line])).toEqual([
      ['line', 'first'],
      ['line', 'second'],
    ]);
    expect(early.map((e) => Number(e.id))).toEqual(early.map((e) => JSON.parse(e.data).id));

    await worker.send('task_log', { task_id: run.runId, lines: ['third'] });
    const later = await stream.until(3);
    expect(JSON.parse(later[2]?.data ?? '{}')).toMatchObject({ line: 'third', logged_at: expect.any(String) });

    await worker.send('task_log', { task_id: run.runId, lines: ['last words'] });
    await worker.send('task_completed', { task_id: run.runId });
    const all = await stream.until(5);
    await stream.ended;
    expect(all.map((e) => e.event)).toEqual(['line', 'line', 'line', 'line', 'end']);
    expect(JSON.parse(all[3]?.data ?? '{}').line).toBe('last words');
    expect(JSON.parse(all[4]?.data ?? '{}')).toEqual({ state: 'SUCCEEDED' });

    // A reconnect with Last-Event-ID gets what came after it, then the end at once.
    const resumed = parseSse(await (await reader.request(`/api/v1/agent/runs/${run.runId}/logs/stream`, { token, headers: { 'last-event-id': all[1]?.id ?? '' } })).text());
    expect(resumed.map((e) => (e.event === 'line' ? JSON.parse(e.data).line : e.event))).toEqual(['third', 'last words', 'end']);
  });

  it('is its tenant’s only', async () => {
    const environmentId = await workerEnvironment(writer, token, 'logs-env-2');
    const run = await heldRun(writer, worker, token, environmentId);
    const stranger = await reader.request(`/api/v1/agent/runs/${run.runId}/logs/stream`, { token: tenantToken('stranger') });
    expect(stranger.status).toBe(404);
    await worker.send('task_completed', { task_id: run.runId });
  });
});
