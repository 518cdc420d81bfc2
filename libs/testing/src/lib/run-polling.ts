import type { RunItem, RunState } from '@oz/contract';
import type OzAPI from 'oz-agent-sdk';

const POLL_EVERY_MS = 25;

/** A run as the official SDK returns it, typed with our extension fields (`output`, `provider`). */
export async function retrieveRun(sdk: OzAPI, runId: string): Promise<RunItem> {
  return (await sdk.agent.runs.retrieve(runId)) as unknown as RunItem;
}

/** A condition on a run: it is in one of `states`. */
export function inState(...states: RunState[]): (run: RunItem) => boolean {
  return (run) => states.includes(run.state);
}

/**
 * Asks the control plane for the run through the SDK until `done(run)` holds; on timeout, fails
 * with the last state it saw.
 */
export async function waitForRun(sdk: OzAPI, runId: string, done: (run: RunItem) => boolean, timeoutMs = 20_000): Promise<RunItem> {
  const deadline = Date.now() + timeoutMs;
  let seen: RunItem | undefined;
  while (Date.now() < deadline) {
    seen = await retrieveRun(sdk, runId);
    if (done(seen)) return seen;
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
  throw new Error(`run ${runId} did not get there within ${timeoutMs} ms; last seen: ${JSON.stringify(seen)}`);
}
