import { Inject, Injectable } from '@nestjs/common';
import type { ConnectedWorkersResponse } from '@oz/contract';
import type { Principal } from '../common/auth/principal';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RunsService } from '../runs/runs.service';
import type { RunLogsQueryDto, RunLogsResponseDto } from './dto/run-logs.dto';
import { RunLogsRepository } from './run-logs.repository';
import { WorkerConnectionsRepository } from './worker-connections.repository';

/** Read side of worker mode: who is connected, and what a run's task printed. */
@Injectable()
export class WorkersService {
  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: RunsService,
    private readonly presence: WorkerConnectionsRepository,
    private readonly runLogs: RunLogsRepository,
  ) {}

  async connected(): Promise<ConnectedWorkersResponse> {
    // A row not refreshed for a lease is a connection of a replica that died without cleaning up.
    return { workers: await this.presence.connectedWorkers(this.config.workers.leaseMs) };
  }

  async logs(principal: Principal, runId: string, query: RunLogsQueryDto): Promise<RunLogsResponseDto> {
    await this.runs.get(principal, runId); // 404 unless the caller may see the run
    const after = query.after ?? 0;
    const lines = await this.runLogs.page(runId, after, query.limit ?? 1000);
    return {
      lines: lines.map((l) => ({ id: l.id, line: l.line, logged_at: l.loggedAt.toISOString() })),
      next_after: lines.at(-1)?.id ?? after,
    };
  }
}
