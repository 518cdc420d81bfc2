import { Injectable } from '@nestjs/common';
import { REDACTED_SECRET, type EnvironmentItem, type EnvironmentListResponse, type EnvironmentParams } from '@oz/contract';
import { isUuid } from '@oz/server-kit';
import { notFound } from '../common/not-found';
import { ControlPlaneAccess } from './control-plane-access';

/**
 * The user's environments (plain fetch: the SDK has no environments). Secrets are write-only: every
 * value is answered as "<redacted>" whatever the control plane sends, and an update that sends
 * "<redacted>" back keeps the stored value (the control plane's rule).
 */
@Injectable()
export class ControlPlaneEnvironments {
  constructor(private readonly access: ControlPlaneAccess) {}

  async list(userId: string): Promise<EnvironmentListResponse> {
    const page = await this.access.as(userId, (caller, client) => client.json<EnvironmentListResponse>(caller.token, 'GET', '/environments'));
    return { environments: page.environments.map(redacted) };
  }

  async get(userId: string, id: string): Promise<EnvironmentItem> {
    this.requireId(id);
    return redacted(await this.access.as(userId, (caller, client) => client.json<EnvironmentItem>(caller.token, 'GET', `/environments/${id}`)));
  }

  async create(userId: string, params: EnvironmentParams): Promise<EnvironmentItem> {
    return redacted(await this.access.as(userId, (caller, client) => client.json<EnvironmentItem>(caller.token, 'POST', '/environments', { body: params })));
  }

  async update(userId: string, id: string, params: EnvironmentParams): Promise<EnvironmentItem> {
    this.requireId(id);
    return redacted(await this.access.as(userId, (caller, client) => client.json<EnvironmentItem>(caller.token, 'PUT', `/environments/${id}`, { body: params })));
  }

  async delete(userId: string, id: string): Promise<void> {
    this.requireId(id);
    await this.access.as(userId, (caller, client) => client.json<unknown>(caller.token, 'DELETE', `/environments/${id}`));
  }

  private requireId(id: string): void {
    if (!isUuid(id)) throw notFound('Environment', id);
  }
}

function redacted(environment: EnvironmentItem): EnvironmentItem {
  const env_vars = Object.fromEntries(Object.keys(environment.env_vars ?? {}).map((name) => [name, REDACTED_SECRET]));
  return { ...environment, env_vars };
}
