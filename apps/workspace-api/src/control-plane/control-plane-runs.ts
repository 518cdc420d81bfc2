import { Injectable } from '@nestjs/common';
import type { AgentRunParams, AgentRunResponse, RunItem, RunListParams, RunListResponse } from '@oz/contract';
import { isUuid } from '@oz/server-kit';
import type { RunLogPage } from '@oz/workspace-contract';
import { randomUUID } from 'node:crypto';
import type OzAPI from 'oz-agent-sdk';
import { notFound } from '../common/not-found';
import { ControlPlaneAccess } from './control-plane-access';

type SdkRunListParams = Parameters<OzAPI['agent']['runs']['list']>[0];
type SdkRunParams = Parameters<OzAPI['agent']['run']>[0];

/** Runs through the official SDK: the user's own (the instance admin: everyone's). */
@Injectable()
export class ControlPlaneRuns {
  constructor(private readonly access: ControlPlaneAccess) {}

  /** A page of runs; `output` is left out of list items (it can be large: the run's page reads it). */
  async list(userId: string, query: RunListParams): Promise<RunListResponse> {
    const page = await this.access.as(userId, (caller, client) => client.sdk(caller.token).agent.runs.list(query as SdkRunListParams));
    const { runs, page_info } = page as unknown as RunListResponse;
    return { runs: runs.map((run) => ({ ...run, output: null })), page_info };
  }

  /** The SDK may retry a create; one idempotency key per request keeps that to one run. */
  create(userId: string, params: AgentRunParams): Promise<AgentRunResponse> {
    const key = randomUUID();
    return this.access.as(userId, async (caller, client) =>
      (await client.sdk(caller.token).agent.run(params as SdkRunParams, { headers: { 'Idempotency-Key': key } })) as AgentRunResponse,
    );
  }

  async get(userId: string, runId: string): Promise<RunItem> {
    this.requireId(runId);
    return this.access.as(userId, async (caller, client) => (await client.sdk(caller.token).agent.runs.retrieve(runId)) as unknown as RunItem);
  }

  /** The control plane answers a cancel with the bare id; the dashboard wants the run as it now is. */
  async cancel(userId: string, runId: string): Promise<RunItem> {
    this.requireId(runId);
    return this.access.as(userId, async (caller, client) => {
      const sdk = client.sdk(caller.token);
      await sdk.agent.runs.cancel(runId);
      return (await sdk.agent.runs.retrieve(runId)) as unknown as RunItem;
    });
  }

  async logs(userId: string, runId: string, after = 0, limit = 500): Promise<RunLogPage> {
    this.requireId(runId);
    return this.access.as(userId, (caller, client) => client.json<RunLogPage>(caller.token, 'GET', `/agent/runs/${runId}/logs`, { query: { after, limit } }));
  }

  /** Run ids are UUIDs; anything else names no run (and never reaches a URL). */
  private requireId(runId: string): void {
    if (!isUuid(runId)) throw notFound('Run', runId);
  }
}
