import type { ScriptedWorker } from '@oz/testing';
import type { ControlPlaneHarness } from './control-plane-harness';
import { inState, waitForRun } from './run-polling';

/** A worker run a scripted worker claimed: its task token opens the gateway and its reports. */
export interface HeldRun {
  runId: string;
  taskToken: string;
  env: Record<string, string>;
}

/**
 * Creates a run of `token`'s tenant in `environmentId`, lets `worker` take it (assignment, then
 * `task_claimed`, as the official worker does) and waits until it is CLAIMED.
 */
export async function heldRun(
  cp: ControlPlaneHarness,
  worker: ScriptedWorker,
  token: string,
  environmentId: string,
  config: Record<string, unknown> = {},
): Promise<HeldRun> {
  const { run_id: runId } = await cp.sdk(token).agent.run({ prompt: 'Use the gateway', config: { environment_id: environmentId, ...config } });
  const assignment = await worker.next('task_assignment');
  if (assignment.task_id !== runId) throw new Error(`expected the assignment of ${runId}, got ${assignment.task_id}`);
  await worker.send('task_claimed', { task_id: runId });
  await waitForRun(cp.sdk(token), runId, inState('CLAIMED'));
  const env = assignment.env_vars ?? {};
  return { runId, taskToken: env['OZ_TASK_TOKEN'] ?? '', env };
}

/** Creates an environment for `token`'s tenant; returns its id. */
export async function workerEnvironment(cp: ControlPlaneHarness, token: string, name: string): Promise<string> {
  const response = await cp.request('/api/v1/environments', {
    token,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, docker_image: 'oz-task:test' }),
  });
  if (response.status !== 201) throw new Error(`environment not created: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Server-sent events read from a response body as they arrive. */
export interface SseRecord {
  id?: string;
  event?: string;
  data: string;
}

/** Every event of a (finite) SSE body. */
export async function readSse(response: Response): Promise<SseRecord[]> {
  return parseSse(await response.text());
}

export function parseSse(text: string): SseRecord[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.split(/\r?\n/).some((line) => line && !line.startsWith(':')))
    .map((block) => {
      const record: SseRecord = { data: '' };
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') record.event = value;
        else if (field === 'id') record.id = value;
      }
      record.data = data.join('\n');
      return record;
    })
    .filter((record) => record.data !== '' || record.event !== undefined);
}
