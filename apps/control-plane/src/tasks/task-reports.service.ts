import { Inject, Injectable, Logger } from '@nestjs/common';
import { OUTPUT_LOG_TAIL_LINES } from '@oz/contract';
import { ApiException } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RunLogsRepository } from '../workers/run-logs.repository';
import { storableLine, storableOutput, taskArtifacts, taskEnding } from '../workers/task-results';
import { HELD_BY_WORKER, WorkerRunsRepository } from '../workers/worker-runs.repository';
import type { TaskCaller } from './task-auth';

/**
 * What a task container reports about itself with its run's token (the sidecar's entrypoint does it;
 * with Warp's official worker these are the run's only log and output): log lines, the output, and
 * `finished`, which ends the run as a worker's final message would. Applied by run: with our worker the
 * same log also arrives through the worker and is stored once, and whichever final report comes first
 * ends the run; the later one changes nothing.
 */
@Injectable()
export class TaskReportsService {
  private readonly logger = new Logger('task-reports');

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: WorkerRunsRepository,
    private readonly logs: RunLogsRepository,
  ) {}

  async logLines(task: TaskCaller, runId: string, body: string): Promise<void> {
    this.ownRun(task, runId);
    if (task.workerSendsLogs) return; // our worker streams this same log; not stored twice
    const lines = body === '' ? [] : body.split('\n').map((line) => storableLine(line.endsWith('\r') ? line.slice(0, -1) : line));
    // Older lines than the run keeps would be dropped at once: only the last ones of a huge batch are written.
    const kept = lines.slice(-Math.max(1, this.config.workers.logMaxLines));
    await this.logs.appendFromTask(task.id, task.tokenHash, kept, HELD_BY_WORKER, this.config.workers.logMaxLines);
  }

  async output(task: TaskCaller, runId: string, body: string): Promise<void> {
    this.ownRun(task, runId);
    await this.runs.storeTaskOutput(task.id, task.tokenHash, storableOutput(body));
  }

  /** Ends the run: exit code 0 → SUCCEEDED, else FAILED with the code; the token is revoked. */
  async finished(task: TaskCaller, runId: string, exitCode: number): Promise<void> {
    this.ownRun(task, runId);
    const stored = await this.runs.taskOutput(task.id, task.tokenHash);
    if (stored === undefined) return; // the run ended meanwhile (its worker's report came first)
    const tail = stored === null ? (await this.logs.tail(task.id, OUTPUT_LOG_TAIL_LINES)).join('\n') : '';
    const output = stored ?? (tail ? storableOutput(tail) : null);
    // The same words as a worker's task_completed / task_failed for a container that exited so.
    const { to, statusMessage } = taskEnding(
      exitCode === 0
        ? { type: 'task_completed', data: { task_id: task.id } }
        : { type: 'task_failed', data: { task_id: task.id, message: `The agent exited with code ${exitCode}`, failure_reason: 'container_exit', exit_code: exitCode } },
    );
    const ended = await this.runs.finishByTask(task.id, task.tokenHash, to, {
      outputIfNone: stored === null ? output : null,
      artifacts: taskArtifacts(undefined, output),
      statusMessage,
    });
    if (ended) this.logger.log({ runId: task.id, state: to, exitCode }, 'run.finished_by_task');
  }

  /** A task token opens its own run's routes only. */
  private ownRun(task: TaskCaller, runId: string): void {
    if (runId !== task.id) throw new ApiException(403, 'not_authorized', 'This task token belongs to another run; it opens only its own run’s task reports');
  }
}
