import { Injectable, computed, inject, signal } from '@angular/core';
import type { ControlPlaneStatus } from '@oz/workspace-contract';
import { ApiError, errorMessage } from '../core/api/api-error';
import { ControlPlaneApi } from './control-plane.api';

export type ControlPlaneAvailability = 'unknown' | 'available' | 'no-bff' | 'disconnected' | 'error';

/**
 * Whether the control-plane views can work here, asked once: the workspace API must offer its
 * backend-for-frontend (phase 2) and reach a control plane (remote mode). Pages say which is missing
 * instead of showing empty lists.
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
          this.messageSignal.set('This workspace server does not offer the control-plane views yet: its backend-for-frontend (/api/cp) arrives with the next release.');
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

  private settle(availability: ControlPlaneAvailability): ControlPlaneAvailability {
    this.availabilitySignal.set(availability);
    return availability;
  }
}
