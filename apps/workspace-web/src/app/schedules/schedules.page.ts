import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ScheduledAgentItem } from '@oz/contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { pollWhile } from '../control-plane/poll';
import { errorMessage } from '../core/api/api-error';
import { Clock, fullDate, timeUntil } from '../ui/clock';
import { TimeComponent } from '../ui/time.component';
import { cronInWords } from './cron-words';

/** `/schedules`: agents that run on a timetable, when each runs next, and pausing them. */
@Component({
  selector: 'oz-schedules-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent, TimeComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Schedules</h1>
        @if (status.available()) {
          <a class="btn primary" routerLink="/schedules/new">New schedule</a>
        }
        <p class="subtitle">Prompts the control plane runs on a timetable (cron, UTC); each firing is a run you can open.</p>
      </header>
      <oz-control-plane-gate what="schedules">
        @if (error(); as problem) {
          <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="load()">Try again</button></div>
        }
        @if (schedules(); as list) {
          @if (list.length === 0) {
            <div class="empty-state">
              <h2>No schedules yet</h2>
              <p>A schedule runs a prompt on a timetable — a nightly dependency check, a Monday summary of open pull requests.</p>
              <a class="btn primary" routerLink="/schedules/new">Create a schedule</a>
            </div>
          } @else {
            <ul class="list">
              @for (s of list; track s.id) {
                <li class="item">
                  <a class="main" [routerLink]="['/schedules', s.id]">
                    <span class="name">{{ s.name }}</span>
                    <span class="muted meta">{{ words(s.cron_schedule) }}</span>
                  </a>
                  <span class="next">
                    @if (s.enabled && s.history.next_run) {
                      next run {{ until(s.history.next_run) }} <span class="muted">({{ date(s.history.next_run) }})</span>
                    } @else if (!s.enabled) {
                      <span class="chip paused">paused</span>
                    }
                    @if (s.history.last_ran) {
                      <span class="muted last">last ran <oz-time [at]="s.history.last_ran" /></span>
                    }
                  </span>
                  @if (s.last_spawn_error) {
                    <span class="chip error" [title]="s.last_spawn_error">last firing failed</span>
                  }
                  <button type="button" class="btn small" (click)="togglePaused(s)" [disabled]="busy() === s.id">{{ s.enabled ? 'Pause' : 'Resume' }}</button>
                </li>
              }
            </ul>
          }
        } @else if (!error()) {
          <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading schedules…</p>
        }
      </oz-control-plane-gate>
    </div>
  `,
  styles: `
    .item {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 0.75rem;
      padding: 0.7rem 1rem;
    }
    .main {
      flex: 1;
      min-width: 12rem;
      display: flex;
      flex-direction: column;
      color: inherit;
      text-decoration: none;
    }
    .main:hover .name {
      text-decoration: underline;
    }
    .name {
      font-weight: 600;
    }
    .meta,
    .next {
      font-size: 0.85rem;
    }
    .next {
      display: flex;
      flex-direction: column;
      align-items: flex-end;
    }
  `,
})
export class SchedulesPage {
  protected readonly status = inject(ControlPlaneStatusStore);
  private readonly api = inject(ControlPlaneApi);
  private readonly clock = inject(Clock);
  protected readonly schedules = signal<ScheduledAgentItem[] | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal<string | null>(null);
  protected readonly words = cronInWords;
  protected readonly date = fullDate;

  constructor() {
    this.status.whenAvailable(() => this.load());
    // Next runs move on as schedules fire.
    pollWhile(() => this.status.available() && this.schedules() !== null, () => 30_000, () => this.load());
  }

  protected until(iso: string): string {
    return timeUntil(iso, this.clock.now());
  }

  protected async load(): Promise<void> {
    try {
      this.schedules.set(await this.api.schedules());
      this.error.set(null);
    } catch (error) {
      this.error.set(`Could not load schedules: ${errorMessage(error)}`);
    }
  }

  protected async togglePaused(schedule: ScheduledAgentItem): Promise<void> {
    this.busy.set(schedule.id);
    const before = this.schedules();
    // Shown at once; put back if the server refuses.
    this.schedules.update((list) => list?.map((s) => (s.id === schedule.id ? { ...s, enabled: !s.enabled } : s)) ?? null);
    try {
      const saved = await this.api.setSchedulePaused(schedule.id, schedule.enabled);
      this.schedules.update((list) => list?.map((s) => (s.id === saved.id ? saved : s)) ?? null);
    } catch (error) {
      this.schedules.set(before);
      this.error.set(`${schedule.name} was not ${schedule.enabled ? 'paused' : 'resumed'}: ${errorMessage(error)}`);
    } finally {
      this.busy.set(null);
    }
  }
}
