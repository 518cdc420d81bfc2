import { isTerminalRunState, RUN_STATES, TERMINAL_RUN_STATES } from './runs';

describe('run states', () => {
  it('lists exactly the states the official SDK knows', () => {
    expect([...RUN_STATES]).toEqual(['QUEUED', 'PENDING', 'CLAIMED', 'INPROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
  });

  it('treats only SUCCEEDED, FAILED and CANCELLED as terminal', () => {
    expect(RUN_STATES.filter(isTerminalRunState)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect([...TERMINAL_RUN_STATES].sort()).toEqual(['CANCELLED', 'FAILED', 'SUCCEEDED']);
  });
});
