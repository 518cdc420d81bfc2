import { RUN_STATES, TERMINAL_RUN_STATES, isTerminalRunState, type RunState } from '@oz/contract';

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

/** The states a provider run (no environment) passes through: it is never PENDING or CLAIMED. */
export const PROVIDER_RUN_STATES: readonly RunState[] = ['QUEUED', 'INPROGRESS', ...TERMINAL_RUN_STATES];
/** The states a worker run (with an environment) passes through: it is never QUEUED. */
export const WORKER_RUN_STATES: readonly RunState[] = ['PENDING', 'CLAIMED', 'INPROGRESS', ...TERMINAL_RUN_STATES];

export function canTransition(from: RunState, to: RunState): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/**
 * The states a run may be in for a move to `to`: the `state = ANY(…)` of the conditional UPDATE.
 * `among` narrows them to the states one kind of run passes through (PROVIDER_RUN_STATES,
 * WORKER_RUN_STATES), so a provider run's write can never match a worker run's row and vice versa.
 */
export function statesThatCanMoveTo(to: RunState, among: readonly RunState[] = RUN_STATES): RunState[] {
  return RUN_STATES.filter((from) => among.includes(from) && canTransition(from, to));
}

/**
 * For a write that moves a run to `to` or rewrites one already there (a provider run tried on its
 * next provider stays INPROGRESS; a saturated run waits QUEUED again): the table's sources, and `to`.
 * Never for a terminal `to`: a terminal run is not rewritten.
 */
export function statesThatCanMoveToOrStay(to: RunState, among: readonly RunState[] = RUN_STATES): RunState[] {
  if (isTerminalRunState(to)) throw new Error(`a ${to} run is never rewritten`);
  return [...statesThatCanMoveTo(to, among), to];
}

/** Runs that still need their environment and may still change. */
export const UNFINISHED_RUN_STATES: readonly RunState[] = RUN_STATES.filter((state) => !isTerminalRunState(state));

/**
 * States spelled as SQL literals (`'A','B'`), for the few statements that must name them in their text:
 * a partial index is only used when the query's predicate matches the index's as written.
 */
export function sqlStateList(states: readonly RunState[]): string {
  return states.map((state) => `'${state}'`).join(',');
}
