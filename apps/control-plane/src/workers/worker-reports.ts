import { Inject, Injectable, Logger } from '@nestjs/common';
import { OUTPUT_LOG_TAIL_LINES, type WorkerToServerMessage } from '@oz/contract';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RunDispatcher } from './run-dispatcher';
import { RunLogsRepository } from './run-logs.repository';
import { storableLine, storableOutput, taskArtifacts, taskEnding, type TaskEndMessage } from './task-results';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerRunsRepository } from './worker-runs.repository';

/**
 * What workers report about their tasks, turned into run state: claimed, rejected, started, log lines,
 * completed, failed. Applied by `task_id` on whichever connection (and replica) it arrives, and only
 * for the worker the run went to, so repeats and strays change nothing.
 */
@Injectable()
export class WorkerReports {
  private readonly logger = new Logger('dispatcher');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: WorkerRunsRepository,
    private readonly logs: RunLogsRepository,
    private readonly registry: WorkerRegistry,
    private readonly dispatcher: RunDispatcher,
  ) {}

  async handle(connection: WorkerConnection, message: WorkerToServerMessage): Promise<void> {
    const { workerId } = connection;
    const taskId = message.data.task_id;
    switch (message.type) {
      case 'task_claimed':
        if (await this.runs.markClaimed(taskId, workerId, this.config.workers.leaseMs)) this.registry.hold(connection, taskId);
        return;
      case 'task_rejected':
        // The worker is full: the run waits for another slot, here or elsewhere.
        this.registry.release(taskId);
        this.registry.markFull(connection);
        if (await this.runs.handBack(taskId, workerId)) this.logger.log({ runId: taskId, workerId, reason: message.data.reason }, 'run.rejected');
        return;
      case 'task_started':
        await this.runs.markStarted(taskId, workerId);
        return;
      case 'task_log':
        await this.logs.append(taskId, workerId, (message.data.lines ?? []).map(storableLine), this.config.workers.logMaxLines);
        return;
      case 'task_completed':
      case 'task_failed':
        await this.finish(connection, message);
        return;
    }
  }

  private async finish(connection: WorkerConnection, message: TaskEndMessage): Promise<void> {
    const { workerId } = connection;
    const { data } = message;
    // A worker that never sent task_claimed (or whose claim was lost) still ends its run properly.
    await this.runs.markClaimed(data.task_id, workerId, this.config.workers.leaseMs);
    const reported = typeof data.output === 'string' ? data.output : (await this.logs.tail(data.task_id, OUTPUT_LOG_TAIL_LINES)).join('\n');
    const output = reported ? storableOutput(reported) : null;
    const { to, statusMessage } = taskEnding(message);
    const ended = await this.runs.finish(data.task_id, workerId, to, { output, artifacts: taskArtifacts(data.artifacts, output), statusMessage });
    this.registry.release(data.task_id);
    if (ended) this.logger.log({ runId: data.task_id, workerId, state: to }, 'run.finished');
    this.dispatcher.dispatch();
  }
}
