import { RUN_STATES, isTerminalRunState, type RunState } from '@oz/contract';

/**
 * The run state machine, the single source of truth for every state change. Provider runs go
 * QUEUED → INPROGRESS → SUCCEEDED | FAILED (and back to QUEUED to wait for a provider slot); worker runs go PENDING → CLAIMED → INPROGRESS → …;
 * both may be cancelled until they end. Terminal states have no way out.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  QUEUED: ['INPROGRESS', 'FAILED', 'CANCELLED'],
  PENDING: ['CLAIMED', 'FAILED', 'CANCELLED'],
  CLAIMED: ['PENDING', 'INPROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  // Back to QUEUED: a provider run whose providers all became saturated waits for a slot.
  // Back to PENDING: a worker run whose worker was lost, when lost runs are retried.
  INPROGRESS: ['QUEUED', 'PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: RunState, to: RunState): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** The states a run may be in for a move to `to`: the WHERE clause of the conditional UPDATE. */
export function statesThatCanMoveTo(to: RunState): RunState[] {
  return (Object.keys(RUN_TRANSITIONS) as RunState[]).filter((from) => canTransition(from, to));
}

/** Runs that still need their environment and may still change. */
export const UNFINISHED_RUN_STATES: readonly RunState[] = RUN_STATES.filter((state) => !isTerminalRunState(state));
