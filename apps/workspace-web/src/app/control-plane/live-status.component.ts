import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { UserEvents } from './user-events';

/** Whether the page is live: the user's channel is up (changes appear as they happen) or coming back. */
@Component({
  selector: 'oz-live-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @switch (events.mode()) {
      @case ('live') {
        <span class="chip ok" title="Changes appear here as they happen"><span class="dot" aria-hidden="true"></span>Live</span>
      }
      @case ('off') {
        <span class="chip error" role="status">Not live</span>
      }
      @default {
        <span class="chip warning" role="status"><span class="dot pulse" aria-hidden="true"></span>Connecting…</span>
      }
    }
  `,
})
export class LiveStatusComponent {
  protected readonly events = inject(UserEvents);
}
