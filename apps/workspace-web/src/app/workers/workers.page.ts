import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { WorkerView } from '@oz/workspace-contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { LiveStatusComponent } from '../control-plane/live-status.component';
import { UserEvents } from '../control-plane/user-events';
import { errorMessage } from '../core/api/api-error';
import { Clock } from '../ui/clock';
import { RunStateComponent } from '../ui/run-state.component';
import { TimeComponent } from '../ui/time.component';

/** A worker not heard from for this long is shown as quiet (leases lapse at 120 s by default). */
const QUIET_AFTER_MS = 45_000;

/** `/workers` (admin): connected workers, their connections, and the runs each is executing. */
@Component({
  selector: 'oz-workers-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent, LiveStatusComponent, RunStateComponent, TimeComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Workers</h1>
        @if (status.available() && status.admin()) {
          <oz-live-status />
        }
        <p class="subtitle">Machines that run tasks in Docker containers, connected to the control plane over WebSocket.</p>
      </header>
      <oz-control-plane-gate what="workers" [adminOnly]="true">
        @if (error(); as problem) {
          <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="load()">Try again</button></div>
        }
        @if (workers(); as list) {
          @if (list.length === 0) {
            <div class="empty-state">
              <h2>No worker is connected</h2>
              <p>Runs with an environment wait as “pending” until one connects. Start one on any machine with Docker:</p>
              <pre class="mono">OZ_WORKER_API_KEY=… npm run start:worker -- --worker-id build-1</pre>
            </div>
          } @else {
            <ul class="workers">
              @for (worker of list; track worker.worker_id) {
                <li class="card">
                  <div class="head">
                    <h2>{{ worker.worker_id }}</h2>
                    @if (quiet(worker)) {
                      <span class="chip warning">quiet since <oz-time [at]="worker.last_seen_at" /></span>
                    } @else {
                      <span class="chip ok"><span class="dot" aria-hidden="true"></span>connected</span>
                    }
                    <span class="muted small">{{ worker.connections }} {{ worker.connections === 1 ? 'connection' : 'connections' }} · since <oz-time [at]="worker.connected_at" /> · last seen <oz-time [at]="worker.last_seen_at" /></span>
                  </div>
                  @if (worker.running.length) {
                    <ul class="list runs">
                      @for (run of worker.running; track run.run_id) {
                        <li><a class="row-link" [routerLink]="['/runs', run.run_id]"><oz-run-state [state]="run.state" /> <span class="title">{{ run.title }}</span>
                          @if (run.started_at) {
                            <span class="muted small">started <oz-time [at]="run.started_at" /></span>
                          }</a></li>
                      }
                    </ul>
                  } @else {
                    <p class="muted">Idle: no task running.</p>
                  }
                </li>
              }
            </ul>
          }
        } @else if (!error()) {
          <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading workers…</p>
        }
      </oz-control-plane-gate>
    </div>
  `,
  styles: `
    .workers {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 0.75rem;
    }
    .workers .card + .card {
      margin-top: 0;
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 0.75rem;
      margin-bottom: 0.6rem;
    }
    .small {
      font-size: 0.85rem;
    }
    .title {
      flex: 1;
    }
  `,
})
export class WorkersPage {
  protected readonly status = inject(ControlPlaneStatusStore);
  private readonly api = inject(ControlPlaneApi);
  private readonly events = inject(UserEvents);
  private readonly clock = inject(Clock);
  protected readonly workers = signal<WorkerView[] | null>(null);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.status.whenAvailable(() => this.load(), { adminOnly: true });
    // Presence and running tasks arrive on the user's channel whenever they change.
    const destroyRef = inject(DestroyRef);
    this.events.on('workers', (list) => this.workers.set(list.workers), destroyRef);
    this.events.onResync(() => void this.load(), destroyRef);
  }

  protected quiet(worker: WorkerView): boolean {
    return this.clock.now() - Date.parse(worker.last_seen_at) > QUIET_AFTER_MS;
  }

  protected async load(): Promise<void> {
    try {
      this.workers.set((await this.api.workers()).workers);
      this.error.set(null);
    } catch (error) {
      this.error.set(`Could not load workers: ${errorMessage(error)}`);
    }
  }
}
