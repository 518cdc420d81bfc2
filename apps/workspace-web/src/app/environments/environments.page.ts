import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { EnvironmentItem } from '@oz/contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { errorMessage } from '../core/api/api-error';
import { TimeComponent } from '../ui/time.component';

/** `/environments`: the images, repositories and setup that worker runs start from. */
@Component({
  selector: 'oz-environments-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent, TimeComponent],
  template: `
    <div class="page">
      <header class="page-header">
        <h1>Environments</h1>
        @if (status.available()) {
          <a class="btn primary" routerLink="/environments/new">New environment</a>
        }
        <p class="subtitle">A run or agent that names an environment runs in a worker's Docker container: this image, these repositories cloned, these commands run first.</p>
      </header>
      <oz-control-plane-gate what="environments">
        @if (error(); as problem) {
          <div class="banner error" role="alert"><span class="grow">{{ problem }}</span><button type="button" class="btn small" (click)="load()">Try again</button></div>
        }
        @if (environments(); as list) {
          @if (list.length === 0) {
            <div class="empty-state">
              <h2>No environments yet</h2>
              <p>Create one to run agents in containers on your workers (for example <code>node:22</code> with your repository cloned).</p>
              <a class="btn primary" routerLink="/environments/new">Create an environment</a>
            </div>
          } @else {
            <ul class="list">
              @for (env of list; track env.id) {
                <li>
                  <a class="row-link" [routerLink]="['/environments', env.id]">
                    <span class="main">
                      <span class="name">{{ env.name }}</span>
                      <span class="muted meta"><span class="mono">{{ env.docker_image }}</span>{{ env.repos.length ? ' · ' + env.repos.length + (env.repos.length === 1 ? ' repository' : ' repositories') : '' }}{{ secretCount(env) ? ' · ' + secretCount(env) + ' secrets' : '' }}</span>
                    </span>
                    <span class="muted when">updated <oz-time [at]="env.updated_at" /></span>
                  </a>
                </li>
              }
            </ul>
          }
        } @else if (!error()) {
          <p class="skeleton" role="status"><span class="spinner" aria-hidden="true"></span> Loading environments…</p>
        }
      </oz-control-plane-gate>
    </div>
  `,
  styles: `
    .main {
      flex: 1;
      display: flex;
      flex-direction: column;
      min-width: 0;
    }
    .name {
      font-weight: 600;
    }
    .meta,
    .when {
      font-size: 0.85rem;
    }
  `,
})
export class EnvironmentsPage {
  protected readonly status = inject(ControlPlaneStatusStore);
  private readonly api = inject(ControlPlaneApi);
  protected readonly environments = signal<EnvironmentItem[] | null>(null);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.status.whenAvailable(() => this.load());
  }

  protected async load(): Promise<void> {
    this.error.set(null);
    try {
      this.environments.set(await this.api.environments());
    } catch (error) {
      this.error.set(`Could not load environments: ${errorMessage(error)}`);
    }
  }

  protected secretCount(env: EnvironmentItem): number {
    return Object.keys(env.env_vars).length;
  }
}
