import { Injectable, Logger } from '@nestjs/common';
import { ApiException } from '@oz/server-kit';
import type { ControlPlaneStatus } from '@oz/workspace-contract';
import { ControlPlaneClient } from './control-plane-client';
import { TenantCredentials, type Caller } from './tenant-credentials';

export type ControlPlaneWork<T> = (caller: Caller, client: ControlPlaneClient) => Promise<T>;

/**
 * The one way the workspace calls the control plane on a user's behalf: as that user's own tenant
 * (or, for the instance admin, with the admin key), never with anything the browser sent. Every
 * control-plane view and the live feed go through `as`/`asAdmin`.
 */
@Injectable()
export class ControlPlaneAccess {
  private readonly logger = new Logger('control-plane');
  private warnedNoTenants = false;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly credentials: TenantCredentials,
  ) {}

  /** What the dashboard may show this user, and why not when it cannot. */
  async status(userId: string): Promise<ControlPlaneStatus> {
    if (!this.client.settings) {
      return {
        connected: false,
        runner_mode: 'local',
        admin: await this.credentials.isAdmin(userId),
        reason: 'This workspace runs agents itself (OZ_RUNNER_MODE=local): there is no control plane, so no runs, environments, schedules, workers or providers to show.',
      };
    }
    const admin = await this.credentials.isAdmin(userId);
    // The admin calls with OZ_API_KEY: only the others need a tenant token kept sealed.
    const keyProblem = admin ? null : this.credentials.problem;
    const unreachable = keyProblem ? null : await this.client.health();
    const reason = keyProblem ?? (unreachable ? `The control plane at ${this.client.origin} is not reachable: ${unreachable}.` : null);
    return { connected: reason === null, runner_mode: 'remote', admin, reason };
  }

  /** `work` with the user's credentials. Under registered tenancy, a first 401 registers the user's token, then the call is retried once. */
  async as<T>(userId: string, work: ControlPlaneWork<T>): Promise<T> {
    const caller = await this.callerOrThrow(userId);
    try {
      return await work(caller, this.client);
    } catch (error) {
      if (caller.admin || this.client.statusOf(error) !== 401) throw this.client.asApiException(error);
    }
    try {
      await this.credentials.register(caller);
      return await work(caller, this.client);
    } catch (error) {
      throw this.client.asApiException(error);
    }
  }

  /** Like `as`, for the instance admin only; anyone else gets 403 `admin_only`. */
  async asAdmin<T>(userId: string, work: ControlPlaneWork<T>): Promise<T> {
    const caller = await this.callerOrThrow(userId);
    if (!caller.admin) throw new ApiException(403, 'admin_only', 'Only the instance admin (the first account of this workspace) sees workers and providers');
    try {
      return await work(caller, this.client);
    } catch (error) {
      throw this.client.asApiException(error);
    }
  }

  /**
   * For the agents' runs (the remote runner): `work` with the room owner's own token, registered on
   * demand like every call. A workspace that cannot keep tenant tokens (no OZ_SECRETS_KEY) runs them
   * with OZ_API_KEY as before, and says so once.
   */
  async asRunOwner<T>(userId: string, work: (token: string) => Promise<T>): Promise<T> {
    if (this.credentials.problem && !(await this.credentials.isAdmin(userId))) {
      if (!this.warnedNoTenants) this.logger.warn({}, 'tenants.unavailable_runs_use_api_key');
      this.warnedNoTenants = true;
      return work(this.client.settings!.adminKey);
    }
    return this.as(userId, (caller) => work(caller.token));
  }

  async isAdmin(userId: string): Promise<boolean> {
    return (await this.callerOrThrow(userId)).admin;
  }

  private async callerOrThrow(userId: string): Promise<Caller> {
    if (!this.client.settings) {
      throw new ApiException(409, 'control_plane_not_connected', 'This workspace runs agents itself (OZ_RUNNER_MODE=local) and is connected to no control plane');
    }
    return this.credentials.callerFor(userId);
  }
}
