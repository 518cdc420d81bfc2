import { RUN_STATES, TERMINAL_RUN_STATES } from '@oz/contract';
import { canTransition, statesThatCanMoveTo } from './run-state';

describe('run state machine', () => {
  it('never lets a terminal run change', () => {
    for (const from of TERMINAL_RUN_STATES) {
      for (const to of RUN_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('lets every unfinished run be cancelled', () => {
    expect(statesThatCanMoveTo('CANCELLED').sort()).toEqual(['CLAIMED', 'INPROGRESS', 'PENDING', 'QUEUED']);
  });

  it('follows the provider path QUEUED → INPROGRESS → SUCCEEDED', () => {
    expect(canTransition('QUEUED', 'INPROGRESS')).toBe(true);
    expect(canTransition('INPROGRESS', 'SUCCEEDED')).toBe(true);
    expect(canTransition('QUEUED', 'SUCCEEDED')).toBe(false);
  });

  it('follows the worker path PENDING → CLAIMED → INPROGRESS, and a lost claim goes back to PENDING', () => {
    expect(canTransition('PENDING', 'CLAIMED')).toBe(true);
    expect(canTransition('CLAIMED', 'INPROGRESS')).toBe(true);
    expect(canTransition('CLAIMED', 'PENDING')).toBe(true);
    expect(canTransition('PENDING', 'INPROGRESS')).toBe(false);
  });
});
