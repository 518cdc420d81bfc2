import { Inject, Injectable, Logger } from '@nestjs/common';
import { OUTPUT_LOG_TAIL_LINES, type WorkerToServerMessage } from '@oz/contract';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RunDispatcher } from './run-dispatcher';
import { RunLogsRepository } from './run-logs.repository';
import { storableLine, storableOutput, taskArtifacts, taskEnding, type TaskEndMessage } from './task-results';
import { WorkerLeases } from './worker-leases';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerRunsRepository } from './worker-runs.repository';

/**
 * What workers report about their tasks, turned into run state: claimed, rejected, started, log lines,
 * completed, failed, and (our worker) the tasks it runs. Applied by `task_id` on whichever connection
 * (and replica) it arrives, only for the worker the run went to and, when the message names one, only
 * for the run's current execution, so repeats, strays and an earlier attempt's container change nothing.
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
    private readonly leases: WorkerLeases,
  ) {}

  async handle(connection: WorkerConnection, message: WorkerToServerMessage): Promise<void> {
    if (message.type === 'running_tasks') return this.leases.report(connection, message.data);
    const { workerId } = connection;
    const taskId = message.data.task_id;
    const executionId = message.data.execution_id ?? null;
    switch (message.type) {
      case 'task_claimed':
        if (await this.runs.markClaimed(taskId, workerId, this.config.workers.leaseMs, executionId, this.registry.reportsRuns(connection))) {
          this.registry.claimed(connection, taskId);
        } else if (this.registry.reportsRuns(connection)) {
          // Too late (the run went back to the queue) or another execution: our worker must not run it.
          await this.leases.answer(connection, [{ id: taskId, executionId, adopted: false }]);
        }
        return;
      case 'task_rejected': {
        // The worker is full: the run waits for another slot, here or elsewhere; this connection is
        // offered work again after a back-off.
        this.registry.release(taskId);
        this.dispatcher.dispatchAfter(this.registry.rejected(connection));
        if (await this.runs.handBack(taskId, workerId)) this.logger.log({ runId: taskId, workerId, reason: message.data.reason }, 'run.rejected');
        return;
      }
      case 'task_started':
        await this.runs.markStarted(taskId, workerId, executionId);
        return;
      case 'task_log':
        await this.logs.append(
          taskId,
          workerId,
          executionId,
          (message.data.lines ?? []).map(storableLine),
          typeof message.data.cursor === 'string' ? message.data.cursor.slice(0, 64) : null,
          this.config.workers.logMaxLines,
        );
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
    const executionId = data.execution_id ?? null;
    // A worker that never sent task_claimed (or whose claim was lost) still ends its run properly.
    await this.runs.markClaimed(data.task_id, workerId, this.config.workers.leaseMs, executionId, this.registry.reportsRuns(connection));
    const reported = typeof data.output === 'string' ? data.output : (await this.logs.tail(data.task_id, OUTPUT_LOG_TAIL_LINES)).join('\n');
    const output = reported ? storableOutput(reported) : null;
    const { to, statusMessage } = taskEnding(message);
    const ended = await this.runs.finish(data.task_id, workerId, executionId, to, { output, artifacts: taskArtifacts(data.artifacts, output), statusMessage });
    // Its slot is free wherever it was assigned, and this connection's worker has room (it may have
    // reconnected since the task was claimed).
    this.registry.release(data.task_id);
    this.registry.freed(connection);
    if (ended) this.logger.log({ runId: data.task_id, workerId, state: to }, 'run.finished');
    this.dispatcher.dispatch();
  }
}
