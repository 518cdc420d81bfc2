import { Injectable, inject } from '@angular/core';
import type {
  AgentRunParams,
  AgentRunResponse,
  EnvironmentItem,
  EnvironmentParams,
  RunItem,
  RunListParams,
  RunListResponse,
  ScheduleCreateParams,
  ScheduledAgentItem,
  ScheduleUpdateParams,
} from '@oz/contract';
import type { ControlPlaneStatus, ProviderStatusList, RunLogPage, WorkerList } from '@oz/workspace-contract';
import { ApiClient, buildUrl } from '../core/api/api-client';
import { CP_API } from '../core/api/endpoints';

/**
 * The control-plane views' data, through the workspace API's backend-for-frontend (`/api/cp`, added
 * in phase 2; BFF.md). The browser never holds a control-plane key: the workspace API answers for
 * the signed-in user's own tenant.
 */
@Injectable({ providedIn: 'root' })
export class ControlPlaneApi {
  private readonly api = inject(ApiClient);

  status(): Promise<ControlPlaneStatus> {
    return this.api.call(CP_API.status);
  }

  runs(query: RunListParams, signal?: AbortSignal): Promise<RunListResponse> {
    return this.api.call(CP_API.listRuns, { query, signal });
  }

  run(runId: string): Promise<RunItem> {
    return this.api.call(CP_API.getRun, { params: { runId } });
  }

  createRun(params: AgentRunParams): Promise<AgentRunResponse> {
    return this.api.call(CP_API.createRun, { body: params });
  }

  cancelRun(runId: string): Promise<RunItem> {
    return this.api.call(CP_API.cancelRun, { params: { runId } });
  }

  logs(runId: string, after: number, limit = 500): Promise<RunLogPage> {
    return this.api.call(CP_API.runLogs, { params: { runId }, query: { after, limit } });
  }

  environments(): Promise<EnvironmentItem[]> {
    return this.api.call(CP_API.listEnvironments).then((page) => page.environments);
  }

  environment(id: string): Promise<EnvironmentItem> {
    return this.api.call(CP_API.getEnvironment, { params: { id } });
  }

  createEnvironment(params: EnvironmentParams): Promise<EnvironmentItem> {
    return this.api.call(CP_API.createEnvironment, { body: params });
  }

  updateEnvironment(id: string, params: EnvironmentParams): Promise<EnvironmentItem> {
    return this.api.call(CP_API.updateEnvironment, { params: { id }, body: params });
  }

  deleteEnvironment(id: string): Promise<void> {
    return this.api.call(CP_API.deleteEnvironment, { params: { id } });
  }

  schedules(): Promise<ScheduledAgentItem[]> {
    return this.api.call(CP_API.listSchedules).then((page) => page.schedules);
  }

  schedule(id: string): Promise<ScheduledAgentItem> {
    return this.api.call(CP_API.getSchedule, { params: { id } });
  }

  createSchedule(params: ScheduleCreateParams): Promise<ScheduledAgentItem> {
    return this.api.call(CP_API.createSchedule, { body: params });
  }

  updateSchedule(id: string, params: ScheduleUpdateParams): Promise<ScheduledAgentItem> {
    return this.api.call(CP_API.updateSchedule, { params: { id }, body: params });
  }

  deleteSchedule(id: string): Promise<unknown> {
    return this.api.call(CP_API.deleteSchedule, { params: { id } });
  }

  setSchedulePaused(id: string, paused: boolean): Promise<ScheduledAgentItem> {
    return this.api.call(paused ? CP_API.pauseSchedule : CP_API.resumeSchedule, { params: { id } });
  }

  workers(): Promise<WorkerList> {
    return this.api.call(CP_API.listWorkers);
  }

  providers(): Promise<ProviderStatusList> {
    return this.api.call(CP_API.listProviders);
  }

  userEventsUrl(): string {
    return buildUrl(CP_API.userEvents.path);
  }
}
