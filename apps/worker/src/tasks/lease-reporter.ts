import { Injectable, Logger } from '@nestjs/common';
import type { RunningTask, TaskLeases, WorkerToServerMessage } from '@oz/contract';
import { ControlPlaneConnection } from '../connection/control-plane-connection';
import { taskOutcome, WorkerMetrics } from '../metrics/worker-metrics';
import { LeaseKeeper } from './lease-keeper';
import { RunningTasks, sameExecution } from './running-tasks';
import { fitToMessage, type Report } from './task-reports';

/** How often the worker checks its tasks' leases. */
const FENCE_CHECK_MS = 500;

/** A task's last message, kept until the control plane shows it has it. */
interface FinalReport {
  executionId?: string;
  message: Report;
  /** The last report sent before it: a later report that still finds the run held means it was lost. */
  afterReport: number;
}

/**
 * The worker's side of per-run leases (crash safety). Every connection starts with `running_tasks`
 * (the tasks this process executes, and finished ones whose last message is not confirmed yet), sent
 * again a few times per lease; the control plane's `task_leases` answer renews them, says which to
 * stop (ended, or given to another execution), and settles what adopted tasks wait for. A task whose
 * lease could not be renewed in time is stopped: by then the run may be running elsewhere (fencing).
 * A task's last message is kept and sent again until a later report shows the control plane has it.
 */
@Injectable()
export class LeaseReporter {
  private readonly logger = new Logger('worker');
  private readonly finals = new Map<string, FinalReport>();
  readonly leases = new LeaseKeeper();
  private reporter: NodeJS.Timeout | undefined;
  private reportingEveryMs = 0;
  private fencer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: ControlPlaneConnection,
    private readonly running: RunningTasks,
    private readonly metrics: WorkerMetrics,
  ) {}

  start(): void {
    this.scheduleReports();
    this.fencer = setInterval(() => this.fence(), FENCE_CHECK_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.reporter);
    clearInterval(this.fencer);
  }

  /** The report of this process's tasks that opens every connection and keeps their leases. */
  report(): WorkerToServerMessage {
    const tasks: RunningTask[] = this.running.all().map((task) => ({
      task_id: task.taskId,
      ...(task.executionId ? { execution_id: task.executionId } : {}),
      ...(task.adopted ? { adopted: true } : {}),
    }));
    for (const [taskId, final] of this.finals) {
      if (!this.running.has(taskId)) tasks.push({ task_id: taskId, ...(final.executionId ? { execution_id: final.executionId } : {}) });
    }
    return { type: 'running_tasks', data: { report_id: this.leases.reportSent(), tasks } };
  }

  /** Sends a task's last message and keeps it until acknowledged. */
  sendFinal(taskId: string, executionId: string | undefined, report: Report): void {
    const message = fitToMessage({ ...report, data: { ...report.data, ...(executionId ? { execution_id: executionId } : {}) } } as Report);
    this.finals.set(taskId, { ...(executionId ? { executionId } : {}), message, afterReport: this.leases.lastReportId });
    this.connection.send(message);
    this.metrics.taskEnded(taskOutcome(message));
  }

  /** A new execution of the task starts: an older one's last message no longer matters. */
  forgetFinal(taskId: string): void {
    this.finals.delete(taskId);
  }

  onLeases(leases: TaskLeases): void {
    this.leases.answered(leases);
    this.scheduleReports();
    for (const renewed of leases.renewed) {
      const task = this.running.get(renewed.task_id);
      if (task && sameExecution(task.executionId, renewed.execution_id)) {
        task.verdict?.settle({ keep: true, logCursor: renewed.log_cursor ?? null });
        continue;
      }
      const final = this.finals.get(renewed.task_id);
      if (final && leases.report_id !== undefined && leases.report_id > final.afterReport) {
        // A report sent after the task's last message still found the run held: that message was lost.
        final.afterReport = this.leases.lastReportId;
        this.connection.send(final.message);
      }
    }
    for (const stop of leases.stop) {
      const task = this.running.get(stop.task_id);
      if (task && sameExecution(task.executionId, stop.execution_id)) {
        this.logger.warn({ taskId: task.taskId, executionId: task.executionId, reason: stop.reason }, 'task.superseded');
        task.superseded = true;
        task.verdict?.settle({ keep: false });
        task.controller.abort();
      }
      const final = this.finals.get(stop.task_id);
      if (final && sameExecution(final.executionId, stop.execution_id)) this.finals.delete(stop.task_id);
    }
  }

  private scheduleReports(): void {
    if (this.stopped || this.reportingEveryMs === this.leases.reportEveryMs) return;
    clearInterval(this.reporter);
    this.reportingEveryMs = this.leases.reportEveryMs;
    this.reporter = setInterval(() => {
      if (this.connection.connected) this.connection.send(this.report());
    }, this.reportingEveryMs);
  }

  /** Stops tasks whose lease the worker could not renew in time: by now the run may be running elsewhere. */
  private fence(): void {
    for (const taskId of this.leases.overdue()) {
      const task = this.running.get(taskId);
      this.leases.forget(taskId);
      if (!task || task.exited || task.controller.signal.aborted) continue;
      this.logger.warn({ taskId, executionId: task.executionId }, 'task.lease_lost');
      this.running.stop(task, 'lease');
    }
  }
}
