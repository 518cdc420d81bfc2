import { Injectable } from '@nestjs/common';
import type { ScheduleCreateParams, ScheduledAgentItem, ScheduleDeleteResponse, ScheduleListResponse, ScheduleUpdateParams } from '@oz/contract';
import { isUuid } from '@oz/server-kit';
import type OzAPI from 'oz-agent-sdk';
import { notFound } from '../common/not-found';
import { ControlPlaneAccess } from './control-plane-access';

type Schedules = OzAPI['agent']['schedules'];

/** The user's schedules, through the official SDK (`agent.schedules.*`). */
@Injectable()
export class ControlPlaneSchedules {
  constructor(private readonly access: ControlPlaneAccess) {}

  list(userId: string): Promise<ScheduleListResponse> {
    return this.call(userId, (schedules) => schedules.list());
  }

  get(userId: string, id: string): Promise<ScheduledAgentItem> {
    this.requireId(id);
    return this.call(userId, (schedules) => schedules.retrieve(id));
  }

  create(userId: string, params: ScheduleCreateParams): Promise<ScheduledAgentItem> {
    return this.call(userId, (schedules) => schedules.create(params as Parameters<Schedules['create']>[0]));
  }

  update(userId: string, id: string, params: ScheduleUpdateParams): Promise<ScheduledAgentItem> {
    this.requireId(id);
    return this.call(userId, (schedules) => schedules.update(id, params as Parameters<Schedules['update']>[1]));
  }

  delete(userId: string, id: string): Promise<ScheduleDeleteResponse> {
    this.requireId(id);
    return this.call(userId, (schedules) => schedules.delete(id));
  }

  setPaused(userId: string, id: string, paused: boolean): Promise<ScheduledAgentItem> {
    this.requireId(id);
    return this.call(userId, (schedules) => (paused ? schedules.pause(id) : schedules.resume(id)));
  }

  private call<T>(userId: string, work: (schedules: Schedules) => Promise<unknown>): Promise<T> {
    return this.access.as(userId, async (caller, client) => (await work(client.sdk(caller.token).agent.schedules)) as T);
  }

  private requireId(id: string): void {
    if (!isUuid(id)) throw notFound('Schedule', id);
  }
}
