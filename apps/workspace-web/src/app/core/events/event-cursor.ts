import { compareEventIds, isEventId } from '@oz/workspace-contract';

/**
 * The position of the last event a store applied. Each event is applied once and in stream order:
 * one at or before the position (a duplicate, or one arriving after a later one) is refused.
 */
export class EventCursor {
  private last: string | null;

  constructor(start: string | null = null) {
    this.last = start;
  }

  get position(): string | null {
    return this.last;
  }

  /** True (and moves on) when `id` comes after the position; false for duplicates and stragglers. */
  accept(id: string | null): boolean {
    if (!id || !isEventId(id)) return false;
    if (this.last !== null && compareEventIds(id, this.last) <= 0) return false;
    this.last = id;
    return true;
  }

  reset(start: string | null = null): void {
    this.last = start;
  }
}
