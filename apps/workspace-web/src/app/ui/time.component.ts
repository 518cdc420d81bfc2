import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Clock, fullDate, timeAgo } from './clock';

/** A relative time that stays current, with the exact date on hover and for screen readers. */
@Component({
  selector: 'oz-time',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<time [attr.datetime]="at()" [title]="exact()">{{ relative() }}</time>`,
})
export class TimeComponent {
  readonly at = input.required<string | null>();
  private readonly clock = inject(Clock);
  protected readonly relative = computed(() => timeAgo(this.at(), this.clock.now()));
  protected readonly exact = computed(() => fullDate(this.at()));
}
