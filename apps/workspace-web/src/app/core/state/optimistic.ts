import { computed, signal, type Signal } from '@angular/core';

interface PendingChange<S> {
  id: number;
  apply: (state: S) => S;
}

/**
 * State shown at once, confirmed later. The confirmed state is what the server said (loads,
 * responses, live events); pending changes are laid over it until their request settles. A change
 * whose request fails is simply dropped — the view rolls back to the confirmed state, including
 * everything other people changed meanwhile — and the error goes to the caller to show.
 */
export class OptimisticState<S> {
  private readonly confirmedState;
  private readonly pending = signal<readonly PendingChange<S>[]>([]);
  private nextId = 1;

  /** What templates show: the confirmed state with the pending changes applied, oldest first. */
  readonly value: Signal<S>;
  /** Requests still in flight. */
  readonly pendingCount = computed(() => this.pending().length);

  constructor(initial: S) {
    this.confirmedState = signal(initial);
    this.value = computed(() => this.pending().reduce((state, change) => change.apply(state), this.confirmedState()));
  }

  get confirmed(): S {
    return this.confirmedState();
  }

  /** Replaces the confirmed state (a fresh load). */
  set(state: S): void {
    this.confirmedState.set(state);
  }

  /** Changes the confirmed state (a live event, a response). */
  update(change: (state: S) => S): void {
    this.confirmedState.update(change);
  }

  /**
   * Shows `change` now and sends `request`. On success `confirm` folds the answer into the confirmed
   * state and the pending change goes; on failure only the pending change goes, and the error is
   * rethrown.
   */
  async apply<R>(change: (state: S) => S, request: () => Promise<R>, confirm?: (state: S, result: R) => S): Promise<R> {
    const pending: PendingChange<S> = { id: this.nextId++, apply: change };
    this.pending.update((list) => [...list, pending]);
    try {
      const result = await request();
      if (confirm) this.confirmedState.update((state) => confirm(state, result));
      return result;
    } finally {
      this.pending.update((list) => list.filter((c) => c.id !== pending.id));
    }
  }
}
