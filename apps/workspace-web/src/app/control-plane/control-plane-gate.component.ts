import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { ControlPlaneStatusStore } from './control-plane-status.store';

/**
 * Shows its content only when the control-plane views can work; otherwise says in words why not and
 * what to do about it. `adminOnly` views also say when the signed-in user is not the instance admin.
 */
@Component({
  selector: 'oz-control-plane-gate',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @switch (status.availability()) {
      @case ('unknown') {
        <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Connecting to the control plane…</p>
      }
      @case ('available') {
        @if (adminOnly() && !status.admin()) {
          <div class="empty-state">
            <h2>Only the instance admin sees {{ what() }}</h2>
            <p>The first account created on this server is its admin. Your runs, environments and schedules are yours alone.</p>
          </div>
        } @else {
          <ng-content />
        }
      }
      @case ('error') {
        <div class="banner error" role="alert">
          <span class="grow">{{ status.message() }}</span>
          <button type="button" class="btn small" (click)="status.ensureLoaded()">Try again</button>
        </div>
      }
      @default {
        <div class="empty-state">
          <h2>{{ status.availability() === 'no-bff' ? 'Not available on this server' : status.runnerMode() === 'local' ? 'No control plane connected' : 'The control plane cannot be used right now' }}</h2>
          <p>{{ status.message() }}</p>
          @if (status.availability() === 'disconnected' && status.runnerMode() === 'local') {
            <p>Start the workspace with <code>OZ_RUNNER_MODE=remote</code> and <code>OZ_API_BASE_URL</code> pointing at a control plane (<code>npm start</code> does this) to see {{ what() }} here.</p>
          }
        </div>
      }
    }
  `,
})
export class ControlPlaneGateComponent {
  /** What the page shows, for the messages ("runs", "workers"…). */
  readonly what = input.required<string>();
  readonly adminOnly = input(false);
  protected readonly status = inject(ControlPlaneStatusStore);

  constructor() {
    void this.status.ensureLoaded();
  }
}
