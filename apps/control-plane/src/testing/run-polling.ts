import type { RunItem, RunState } from '@oz/contract';
import type OzAPI from 'oz-agent-sdk';

/** A run as the SDK returns it, with our extension fields (`output`, `provider`) typed. */
export type RetrievedRun = RunItem;

export async function retrieveRun(sdk: OzAPI, runId: string): Promise<RetrievedRun> {
  return (await sdk.agent.runs.retrieve(runId)) as unknown as RetrievedRun;
}

/** Polls the run through the SDK until `done(run)`; fails with the last state seen after `timeoutMs`. */
export async function waitForRun(
  sdk: OzAPI,
  runId: string,
  done: (run: RetrievedRun) => boolean,
  timeoutMs = 20_000,
): Promise<RetrievedRun> {
  let last: RetrievedRun | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    last = await retrieveRun(sdk, runId);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${runId} did not get there within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

export const inState =
  (...states: RunState[]) =>
  (run: RetrievedRun): boolean =>
    states.includes(run.state);
