import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { RunState } from '@oz/contract';

/** Each state in words, the style of its chip, and whether it can still change. */
export const RUN_STATE_LABELS: Record<RunState, { text: string; kind: string; live: boolean }> = {
  QUEUED: { text: 'Queued', kind: '', live: true },
  PENDING: { text: 'Waiting for a worker', kind: 'warning', live: true },
  CLAIMED: { text: 'Starting on a worker', kind: 'info', live: true },
  INPROGRESS: { text: 'Running', kind: 'running', live: true },
  SUCCEEDED: { text: 'Succeeded', kind: 'ok', live: false },
  FAILED: { text: 'Failed', kind: 'error', live: false },
  CANCELLED: { text: 'Cancelled', kind: 'warning', live: false },
};

/** A run's state in words, with a pulse while it can still change. */
@Component({
  selector: 'oz-run-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="chip" [class]="label().kind" [title]="state()">
    @if (label().live) {
      <span class="dot pulse" aria-hidden="true"></span>
    }
    {{ label().text }}</span>`,
})
export class RunStateComponent {
  readonly state = input.required<RunState>();
  protected readonly label = computed(() => RUN_STATE_LABELS[this.state()] ?? { text: this.state(), kind: '', live: false });
}
