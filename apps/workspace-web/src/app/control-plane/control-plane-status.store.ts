import { Injectable, computed, inject, signal } from '@angular/core';
import type { ControlPlaneStatus } from '@oz/workspace-contract';
import { ApiError, errorMessage } from '../core/api/api-error';
import { ControlPlaneApi } from './control-plane.api';

export type ControlPlaneAvailability = 'unknown' | 'available' | 'no-bff' | 'disconnected' | 'error';

/**
 * Whether the control-plane views can work here, asked once per page load: the workspace API must run
 * in remote mode, keep tenant credentials (OZ_SECRETS_KEY) and reach its control plane. Pages say
 * which is missing instead of showing empty lists.
 */
@Injectable({ providedIn: 'root' })
export class ControlPlaneStatusStore {
  private readonly api = inject(ControlPlaneApi);
  private readonly statusSignal = signal<ControlPlaneStatus | null>(null);
  private readonly availabilitySignal = signal<ControlPlaneAvailability>('unknown');
  private readonly messageSignal = signal<string | null>(null);
  private loading: Promise<ControlPlaneAvailability> | null = null;

  readonly availability = this.availabilitySignal.asReadonly();
  readonly message = this.messageSignal.asReadonly();
  readonly admin = computed(() => this.statusSignal()?.admin ?? false);
  readonly runnerMode = computed(() => this.statusSignal()?.runner_mode ?? null);
  readonly available = computed(() => this.availabilitySignal() === 'available');

  ensureLoaded(): Promise<ControlPlaneAvailability> {
    if (this.availabilitySignal() !== 'unknown' && this.availabilitySignal() !== 'error') return Promise.resolve(this.availabilitySignal());
    this.loading ??= this.api
      .status()
      .then((status) => {
        this.statusSignal.set(status);
        this.messageSignal.set(status.connected ? null : (status.reason ?? 'The workspace runs agents itself and is not connected to a control plane.'));
        return this.settle(status.connected ? 'available' : 'disconnected');
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
          this.messageSignal.set('This workspace server does not offer the control-plane views (/api/cp): it is an older version.');
          return this.settle('no-bff');
        }
        this.messageSignal.set(`Could not ask the workspace server about the control plane: ${errorMessage(error)}`);
        return this.settle('error');
      })
      .finally(() => (this.loading = null));
    return this.loading;
  }

  /** Runs `load` once the views are known to work (and, for `adminOnly`, the user is the admin). */
  whenAvailable(load: () => unknown, options: { adminOnly?: boolean } = {}): void {
    void this.ensureLoaded().then((availability) => {
      if (availability === 'available' && (!options.adminOnly || this.admin())) void load();
    });
  }

  /** Forgets the answer (signing out: the next user may see other things). */
  clear(): void {
    this.statusSignal.set(null);
    this.messageSignal.set(null);
    this.availabilitySignal.set('unknown');
  }

  private settle(availability: ControlPlaneAvailability): ControlPlaneAvailability {
    this.availabilitySignal.set(availability);
    return availability;
  }
}
