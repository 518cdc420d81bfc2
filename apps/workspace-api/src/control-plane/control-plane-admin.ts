import { Injectable } from '@nestjs/common';
import type { ConnectedWorkersResponse, RunItem, RunListResponse } from '@oz/contract';
import type { ProviderStatus, ProviderStatusList, WorkerList, WorkerRunRef } from '@oz/workspace-contract';
import type OzAPI from 'oz-agent-sdk';
import { ControlPlaneAccess } from './control-plane-access';

/** Pages of running runs read to tell which worker runs what (100 each). */
const MAX_RUNNING_PAGES = 10;

/** The instance admin's views, with the admin key: the connected workers and what each runs, and the providers. */
@Injectable()
export class ControlPlaneAdmin {
  constructor(private readonly access: ControlPlaneAccess) {}

  /** Connected workers (any replica), each with the runs it holds now (runs carry their `worker_id`). */
  workers(userId: string): Promise<WorkerList> {
    return this.access.asAdmin(userId, async (caller, client) => {
      const connected = await client.json<ConnectedWorkersResponse>(caller.token, 'GET', '/agent/connected-self-hosted-workers');
      const running = await runningRuns(client.sdk(caller.token));
      return {
        workers: connected.workers
          .map((worker) => ({ ...worker, running: running.get(worker.worker_id) ?? [] }))
          .sort((a, b) => a.worker_id.localeCompare(b.worker_id)),
      };
    });
  }

  /** The providers with their quota use; `usage` (calls per time bucket) as the control plane reports it, else none. */
  providers(userId: string): Promise<ProviderStatusList> {
    return this.access.asAdmin(userId, async (caller, client) => {
      const list = await client.json<ProviderStatusList>(caller.token, 'GET', '/admin/providers');
      return {
        ...list,
        providers: list.providers.map((provider: Partial<ProviderStatus> & Omit<ProviderStatus, 'usage'>) => ({
          ...provider,
          usage: provider.usage ?? { bucket_seconds: 0, calls: [] },
        })),
      };
    });
  }
}

/** Runs a worker holds (CLAIMED or INPROGRESS), by worker id, oldest first. */
async function runningRuns(sdk: OzAPI): Promise<Map<string, WorkerRunRef[]>> {
  const byWorker = new Map<string, WorkerRunRef[]>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_RUNNING_PAGES; page++) {
    const { runs, page_info } = (await sdk.agent.runs.list({ state: ['CLAIMED', 'INPROGRESS'], limit: 100, cursor })) as unknown as RunListResponse;
    for (const run of runs as (RunItem & { worker_id?: string | null })[]) {
      if (!run.worker_id) continue;
      const list = byWorker.get(run.worker_id) ?? [];
      list.push({ run_id: run.run_id, title: run.title, state: run.state, started_at: run.started_at });
      byWorker.set(run.worker_id, list);
    }
    if (!page_info.has_next_page || !page_info.next_cursor) break;
    cursor = page_info.next_cursor;
  }
  for (const list of byWorker.values()) list.sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? ''));
  return byWorker;
}
