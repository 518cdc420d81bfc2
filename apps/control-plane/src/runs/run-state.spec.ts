import { RUN_STATES, TERMINAL_RUN_STATES } from '@oz/contract';
import { canTransition, PROVIDER_RUN_STATES, sqlStateList, statesThatCanMoveTo, statesThatCanMoveToOrStay, WORKER_RUN_STATES } from './run-state';

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

  it('narrows the sources of a move to the states one kind of run passes through', () => {
    expect(statesThatCanMoveTo('FAILED', PROVIDER_RUN_STATES)).toEqual(['QUEUED', 'INPROGRESS']);
    expect(statesThatCanMoveTo('FAILED', WORKER_RUN_STATES)).toEqual(['PENDING', 'CLAIMED', 'INPROGRESS']);
    expect(statesThatCanMoveTo('INPROGRESS', WORKER_RUN_STATES)).toEqual(['CLAIMED']);
    expect(statesThatCanMoveTo('INPROGRESS', PROVIDER_RUN_STATES)).toEqual(['QUEUED']);
  });

  it('adds the target itself for writes that may rewrite a run in place, never for a terminal one', () => {
    expect(statesThatCanMoveToOrStay('QUEUED', PROVIDER_RUN_STATES)).toEqual(['INPROGRESS', 'QUEUED']);
    expect(statesThatCanMoveToOrStay('INPROGRESS', PROVIDER_RUN_STATES)).toEqual(['QUEUED', 'INPROGRESS']);
    expect(() => statesThatCanMoveToOrStay('SUCCEEDED')).toThrow();
  });

  it('spells states as SQL literals the way the partial indexes do', () => {
    expect(sqlStateList(['SUCCEEDED', 'FAILED', 'CANCELLED'])).toBe("'SUCCEEDED','FAILED','CANCELLED'");
  });
});
