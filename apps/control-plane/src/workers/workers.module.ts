import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module';
import { RunsModule } from '../runs/runs.module';
import { CancellationForwarder } from './cancellation-forwarder';
import { RunDispatcher } from './run-dispatcher';
import { PendingRuns } from './pending-runs';
import { RunActivity, RunLogStreams } from './run-log-stream';
import { RunLogsRepository } from './run-logs.repository';
import { WorkerConnectionsRepository } from './worker-connections.repository';
import { WorkerLeases } from './worker-leases';
import { WorkerRegistry } from './worker-registry';
import { WorkerReports } from './worker-reports';
import { WorkerRunsRepository } from './worker-runs.repository';
import { WorkerGateway } from './worker.gateway';
import { WorkersController } from './workers.controller';
import { WorkersService } from './workers.service';

/**
 * Worker mode: the WebSocket gateway (transport), the registry (connections and presence), the
 * dispatcher (PENDING runs → connections), the reports (worker messages → run state), the leases
 * (renewal and sweep), cancellation forwarding, waiting runs' explanations (PendingRuns), and the
 * read side (connected workers, run logs, live as SSE too).
 */
@Module({
  imports: [EnvironmentsModule, RunsModule],
  controllers: [WorkersController],
  providers: [
    WorkerGateway,
    WorkerRegistry,
    RunDispatcher,
    WorkerReports,
    WorkerLeases,
    CancellationForwarder,
    WorkersService,
    PendingRuns,
    RunActivity,
    RunLogStreams,
    WorkerRunsRepository,
    RunLogsRepository,
    WorkerConnectionsRepository,
  ],
  exports: [WorkerRunsRepository, RunLogsRepository, WorkerConnectionsRepository],
})
export class WorkersModule {}
