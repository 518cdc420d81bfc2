import type { RunItem } from '@oz/contract';
import type OzAPI from 'oz-agent-sdk';
import { inState, waitForRun } from './run-polling';

/** An SDK whose runs.retrieve answers the given states one after the other (the last one for ever). */
function sdkAnswering(...states: RunItem['state'][]): OzAPI {
  let call = 0;
  const retrieve = async (runId: string) => ({ run_id: runId, state: states[Math.min(call++, states.length - 1)] });
  return { agent: { runs: { retrieve } } } as unknown as OzAPI;
}

describe('waiting for a run', () => {
  it('polls until the run is in one of the states', async () => {
    const run = await waitForRun(sdkAnswering('PENDING', 'CLAIMED', 'INPROGRESS', 'SUCCEEDED'), 'r1', inState('SUCCEEDED', 'FAILED'), 5_000);
    expect(run).toEqual({ run_id: 'r1', state: 'SUCCEEDED' });
  });

  it('fails after the timeout, saying what it saw last', async () => {
    await expect(waitForRun(sdkAnswering('PENDING', 'INPROGRESS'), 'r2', inState('SUCCEEDED'), 200)).rejects.toThrow(
      /run r2 did not get there within 200 ms; last seen: .*"state":"INPROGRESS"/,
    );
  });
});
