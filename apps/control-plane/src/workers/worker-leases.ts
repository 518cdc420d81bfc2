import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { RenewedTask, RunningTasks, TaskToStop } from '@oz/contract';
import { isUuid } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { leaseTimings, reportedTaskStanding } from './lease-policy';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerRunsRepository, type ReportedTask } from './worker-runs.repository';

/** Leases are renewed on worker traffic at most this often per connection (and at least 3× per lease). */
const RENEW_EVERY_MS = 5_000;

/**
 * Leases, not connections, decide whether a worker run is alive, and each run has its own.
 * - Our worker reports the tasks it executes (`running_tasks`, on connecting and then a few times per
 *   lease): exactly those runs are renewed, in the execution it names, and the answer (`task_leases`)
 *   tells it which to keep and which to stop (the run ended, or was given to another execution). A run
 *   its worker id holds but no connection reports (the process that ran it died) lapses.
 * - The official worker cannot report: any sign of it renews the runs its worker id claimed.
 * - The sweep takes back assignments nobody claimed before their deadline; a run that lapsed gets one
 *   more lease for its worker to come back (a restarted worker adopts its containers), then it fails,
 *   or with OZ_WORKER_RETRY_LOST_RUNS goes back to PENDING for another attempt; and it fails runs past
 *   their time limit. A dropped WebSocket alone fails nothing.
 */
@Injectable()
export class WorkerLeases implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker-leases');
  private readonly timings: ReturnType<typeof leaseTimings>;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: WorkerRunsRepository,
    private readonly registry: WorkerRegistry,
  ) {
    this.timings = leaseTimings(config.workers.leaseMs);
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), this.config.workers.pollIntervalMs);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Any traffic on a connection is a sign of life: presence, and for a worker that does not report its
   * runs (the official one), the leases of the runs it claimed (throttled).
   */
  async seen(connection: WorkerConnection): Promise<void> {
    const { leaseMs } = this.config.workers;
    if (!this.registry.noteSignOfLife(connection, Math.min(RENEW_EVERY_MS, leaseMs / 3))) return;
    const renewal = this.registry.reportsRuns(connection) ? Promise.resolve() : this.runs.renewPresence(connection.workerId, leaseMs);
    await Promise.all([renewal, this.registry.recordSeen(connection)]);
  }

  /** `running_tasks`: the connection holds exactly these tasks; renew their runs and answer. */
  async report(connection: WorkerConnection, report: RunningTasks): Promise<void> {
    this.registry.reported(
      connection,
      report.tasks.map((task) => task.task_id).filter((id) => isUuid(id)),
    );
    await this.answer(connection, report.tasks.map(reportedTask), report.report_id);
  }

  /**
   * Renews what of `tasks` is still this worker's and tells it (`task_leases`) to stop the rest. Also
   * the answer to a claim that came too late, so our worker stops a task the run no longer wants.
   */
  async answer(connection: WorkerConnection, tasks: ReportedTask[], reportId?: number): Promise<void> {
    const { workerId } = connection;
    const { leaseMs } = this.config.workers;
    const valid = tasks.filter((task) => isUuid(task.id));
    const stop: TaskToStop[] = tasks.filter((task) => !isUuid(task.id)).map((task) => toStop(task, 'unknown'));
    const renewed: RenewedTask[] = (await this.runs.renewReported(workerId, valid, leaseMs)).map((run) => ({
      task_id: run.id,
      ...(run.executionId ? { execution_id: run.executionId } : {}),
      log_cursor: run.logCursor,
    }));
    const renewedKeys = new Set(renewed.map((task) => `${task.task_id}/${task.execution_id ?? ''}`));
    const rest = valid.filter((task) => !renewedKeys.has(`${task.id}/${task.executionId ?? ''}`));
    const whereabouts = new Map((await this.runs.whereabouts(rest.map((task) => task.id))).map((where) => [where.id, where]));
    for (const task of rest) {
      const standing = reportedTaskStanding(task, whereabouts.get(task.id), workerId);
      if (standing === 'held') continue;
      if (standing === 'claimable') {
        if (await this.runs.markClaimed(task.id, workerId, leaseMs, task.executionId, true)) {
          this.registry.claimed(connection, task.id);
          renewed.push({ task_id: task.id, ...(task.executionId ? { execution_id: task.executionId } : {}), log_cursor: null });
        }
        continue;
      }
      this.registry.drop(connection, task.id);
      stop.push(toStop(task, standing));
    }
    if (stop.length) this.logger.warn({ workerId, tasks: stop }, 'worker.tasks_to_stop');
    await this.registry.send(connection, {
      type: 'task_leases',
      data: {
        ...(reportId === undefined ? {} : { report_id: reportId }),
        renewed,
        stop,
        lease_ms: leaseMs,
        fence_after_ms: this.timings.fenceAfterMs,
        report_every_ms: this.timings.reportEveryMs,
      },
    });
  }

  private async sweep(): Promise<void> {
    try {
      const unclaimed = await this.runs.reclaimUnclaimed();
      for (const id of unclaimed) this.registry.release(id);
      if (unclaimed.length) this.logger.warn({ runs: unclaimed }, 'runs.claim_timed_out');

      const { graceMs } = this.timings;
      const retry = this.config.workers.retryLostRuns;
      const lost = retry ? await this.runs.requeueLost(graceMs) : await this.runs.failLost(graceMs);
      for (const { id } of lost) this.registry.release(id);
      if (lost.length) this.logger.warn({ runs: lost, retry }, 'runs.worker_lost');

      const late = await this.runs.failTimedOut(graceMs);
      for (const { id, workerId } of late) {
        const connection = this.registry.connectionFor(id, workerId);
        this.registry.release(id);
        // The official worker stops a cancelled task; our worker stopped it already, or learns at its next report.
        if (connection) await this.registry.send(connection, { type: 'task_cancellation', data: { task_id: id } }).catch(() => undefined);
      }
      if (late.length) this.logger.warn({ runs: late }, 'runs.timed_out');
    } catch (error) {
      this.logger.error({ err: error }, 'sweep.failed');
    }
  }
}

function reportedTask(task: RunningTasks['tasks'][number]): ReportedTask {
  return { id: task.task_id, executionId: task.execution_id ?? null, adopted: task.adopted === true };
}

function toStop(task: ReportedTask, reason: TaskToStop['reason']): TaskToStop {
  return { task_id: task.id, ...(task.executionId ? { execution_id: task.executionId } : {}), reason };
}
