import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { RunningTask, ServerToWorkerMessage, TaskAssignment, TaskLeases, WorkerToServerMessage } from '@oz/contract';
import { WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { ControlPlaneConnection } from '../connection/control-plane-connection';
import { DEFAULT_TASK_IMAGE } from './container-spec';
import { DockerTasks, type FoundTaskContainer, type TaskCallbacks } from './docker-tasks';
import { imageAllowed } from './image-allow-list';
import { LeaseKeeper } from './lease-keeper';
import { TaskStoppedError } from './task-errors';
import { TaskNetwork } from './task-network';
import { finishedTaskReport, fitToMessage, refusedImageReport, unfinishedTaskReport, type Report, type StopReason } from './task-reports';

/** How often the worker checks its tasks' leases. */
const FENCE_CHECK_MS = 500;
/** At shutdown, how long the worker waits for stopped tasks' last log lines before it gives up on them. */
const SHUTDOWN_LOG_GRACE_MS = 5_000;
/** setTimeout's limit; a longer time limit is checked again when this much has passed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the control plane said about an adopted task: follow it on (reading its log from the cursor), or stop it. */
type Verdict = { keep: true; logCursor: string | null } | { keep: false };

interface ExecutingTask {
  taskId: string;
  executionId?: string;
  /** Found at start-up rather than started by this process. */
  adopted: boolean;
  controller: AbortController;
  /** Why the worker stopped it, if it did. */
  stoppedFor?: StopReason;
  /** The run is no longer this execution's (ended, or given to another): stop it and report nothing. */
  superseded: boolean;
  /** Its container exited: nothing left to stop. */
  exited: boolean;
  done: Promise<void>;
  deadline?: NodeJS.Timeout;
  /** For an adopted task: settles with the control plane's first word on it. */
  verdict?: { promise: Promise<Verdict>; settle: (verdict: Verdict) => void };
}

/** A task's last message, kept until the control plane shows it has it. */
interface FinalReport {
  executionId?: string;
  message: Report;
  /** The last report sent before it: a later report that still finds the run held means it was lost. */
  afterReport: number;
}

/**
 * The worker's tasks. Takes assignments within --max-concurrent-tasks (rejecting the rest, so they
 * stay queued for another worker), refuses images outside OZ_WORKER_ALLOWED_IMAGES, runs each in
 * Docker and reports it with the official messages plus our extensions (task_started, task_log,
 * output, execution ids). A cancellation stops the container and reports the task CANCELLED; a task
 * past its time limit is stopped and reported failed (task_timeout).
 *
 * Crash safety: every connection starts with `running_tasks` (the tasks this process executes), sent
 * again a few times per lease; the answer renews them or says which to stop. A task whose lease the
 * worker could not renew in time is stopped (it may be running elsewhere by then). On start, before
 * connecting, the worker finds its task containers: those still running or finished while it was away
 * are adopted and reported, and once the control plane confirms them it follows them on (logs from
 * where they stopped being read, wait, output) or stops and removes them. A task's last message is
 * kept and sent again until a report shows the control plane has it.
 *
 * At shutdown it rejects new assignments, stops every container and reports each task failed by
 * graceful_shutdown, before the connection closes.
 */
@Injectable()
export class TaskSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  private readonly tasks = new Map<string, ExecutingTask>();
  private readonly finals = new Map<string, FinalReport>();
  private readonly leases = new LeaseKeeper();
  /** Aborts when the worker stops waiting for its tasks' logs (shutdown). */
  private readonly shutdown = new AbortController();
  private stopping = false;
  private reporter: NodeJS.Timeout | undefined;
  private reportingEveryMs = 0;
  private fencer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly docker: DockerTasks,
    private readonly connection: ControlPlaneConnection,
    private readonly network: TaskNetwork,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.docker.check();
    await this.network.prepare();
    await this.adopt();
    this.connection.open(
      (message) => this.onMessage(message),
      () => this.report(),
    );
    this.scheduleReports();
    this.fencer = setInterval(() => this.fence(), FENCE_CHECK_MS);
    this.logger.log({ workerId: this.config.workerId, maxConcurrentTasks: this.config.maxConcurrentTasks, adopted: this.tasks.size }, 'worker.started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.reporter);
    clearInterval(this.fencer);
    const running = [...this.tasks.values()];
    for (const task of running) this.stop(task, 'shutdown');
    const giveUp = setTimeout(() => this.shutdown.abort(), SHUTDOWN_LOG_GRACE_MS);
    await this.docker.stopAll(running.map((task) => task.taskId)).catch(() => undefined);
    await Promise.all(running.map((task) => task.done));
    clearTimeout(giveUp);
  }

  private onMessage(message: ServerToWorkerMessage): void {
    switch (message.type) {
      case 'task_assignment':
        this.accept(message.data);
        return;
      case 'task_cancellation': {
        const task = this.tasks.get(message.data.task_id);
        if (task) this.stop(task, 'cancel');
        return;
      }
      case 'task_leases':
        this.onLeases(message.data);
        return;
    }
  }

  private accept(assignment: TaskAssignment): void {
    const taskId = assignment.task_id;
    const executionId = assignment.execution_id;
    const ref = { task_id: taskId, ...(executionId ? { execution_id: executionId } : {}) };
    const current = this.tasks.get(taskId);
    if (current && current.executionId === executionId) return; // a repeated assignment of a task already running
    if (current || this.stopping || this.tasks.size >= this.config.maxConcurrentTasks) {
      const reason = current ? 'an earlier execution of this task is still being stopped' : this.stopping ? 'worker shutting down' : 'worker at maximum concurrency';
      this.connection.send({ type: 'task_rejected', data: { ...ref, reason } });
      return;
    }
    this.finals.delete(taskId);
    this.connection.send({ type: 'task_claimed', data: { ...ref, worker_id: this.config.workerId } });
    const image = assignment.docker_image || DEFAULT_TASK_IMAGE;
    if (!imageAllowed(image, this.config.allowedImages)) {
      this.logger.warn({ taskId, image }, 'task.image_refused');
      this.end(taskId, executionId, refusedImageReport(taskId, image, this.config.allowedImages));
      return;
    }
    const task = this.register(taskId, executionId, false);
    const seconds = assignment.task_timeout_seconds;
    const deadline = typeof seconds === 'number' && seconds > 0 ? Date.now() + seconds * 1000 : undefined;
    this.armDeadline(task, deadline);
    this.leases.track(taskId);
    task.done = this.execute(assignment, task, deadline).finally(() => this.forget(task));
  }

  private async execute(assignment: TaskAssignment, task: ExecutingTask, deadline: number | undefined): Promise<void> {
    this.logger.log({ taskId: task.taskId, executionId: task.executionId, image: assignment.docker_image }, 'task.started');
    try {
      const result = await this.docker.run(assignment, task.controller.signal, this.callbacks(task), {
        deadline,
        fenceAfterMs: this.leases.fenceAfterMs ?? undefined,
      });
      this.finish(task, finishedTaskReport(task.taskId, result, task.stoppedFor));
      this.logger.log({ taskId: task.taskId, exitCode: result.exitCode, stoppedFor: task.stoppedFor }, 'task.finished');
    } catch (error) {
      this.finish(task, unfinishedTaskReport(task.taskId, error, task.stoppedFor));
      this.logger.error({ taskId: task.taskId, err: (error as Error).message, stoppedFor: task.stoppedFor }, 'task.failed');
    }
  }

  /**
   * Start-up, before connecting: this worker's task containers, left by the process before this one.
   * One per task is adopted (the running one, else the newest); containers that never started, and
   * older leftovers of the same task, are removed. An adopted task waits for the control plane's word.
   */
  private async adopt(): Promise<void> {
    const found = await this.docker.inventory();
    const byTask = new Map<string, FoundTaskContainer[]>();
    for (const container of found) byTask.set(container.taskId, [...(byTask.get(container.taskId) ?? []), container]);
    for (const [taskId, containers] of byTask) {
      containers.sort((a, b) => Number(b.running) - Number(a.running) || b.createdAt - a.createdAt);
      const [chosen, ...leftovers] = containers as [FoundTaskContainer, ...FoundTaskContainer[]];
      for (const leftover of leftovers) await this.docker.discard(leftover.id);
      if (chosen.neverStarted) {
        await this.docker.discard(chosen.id);
        continue;
      }
      const task = this.register(taskId, chosen.executionId ?? undefined, true);
      task.exited = !chosen.running;
      let settle: (verdict: Verdict) => void = () => undefined;
      const promise = new Promise<Verdict>((resolve) => (settle = resolve));
      task.verdict = { promise, settle };
      this.armDeadline(task, chosen.deadline);
      // Until the control plane answers, it is covered for as long as it was when it was started.
      this.leases.track(taskId, chosen.running && chosen.fenceAfterMs !== undefined ? chosen.fenceAfterMs : null);
      task.done = this.resume(chosen, task).finally(() => this.forget(task));
      this.logger.log({ taskId, executionId: task.executionId, running: chosen.running }, 'task.adopted');
    }
  }

  private async resume(found: FoundTaskContainer, task: ExecutingTask): Promise<void> {
    const signal = task.controller.signal;
    const stopped = new Promise<Verdict>((resolve) => signal.addEventListener('abort', () => resolve({ keep: false }), { once: true }));
    const verdict = signal.aborted ? { keep: false as const } : await Promise.race([task.verdict?.promise ?? stopped, stopped]);
    if (!verdict.keep) {
      await this.docker.discard(found.id);
      if (task.stoppedFor) this.finish(task, unfinishedTaskReport(task.taskId, new TaskStoppedError(), task.stoppedFor));
      this.logger.log({ taskId: task.taskId, superseded: task.superseded, stoppedFor: task.stoppedFor }, 'task.discarded');
      return;
    }
    try {
      const result = await this.docker.resume(found, signal, this.callbacks(task), verdict.logCursor);
      this.finish(task, finishedTaskReport(task.taskId, result, task.stoppedFor));
      this.logger.log({ taskId: task.taskId, exitCode: result.exitCode, stoppedFor: task.stoppedFor }, 'task.finished');
    } catch (error) {
      this.finish(task, unfinishedTaskReport(task.taskId, error, task.stoppedFor));
      this.logger.error({ taskId: task.taskId, err: (error as Error).message }, 'task.failed');
    }
  }

  private callbacks(task: ExecutingTask): TaskCallbacks {
    const ref = { task_id: task.taskId, ...(task.executionId ? { execution_id: task.executionId } : {}) };
    return {
      started: () => !task.superseded && this.connection.send({ type: 'task_started', data: ref }),
      log: (lines, cursor) => !task.superseded && this.connection.send({ type: 'task_log', data: { ...ref, lines, ...(cursor ? { cursor } : {}) } }),
      exited: () => (task.exited = true),
      whenWritable: () => this.connection.whenWritable(this.shutdown.signal),
      abandon: this.shutdown.signal,
    };
  }

  /** The report of this process's tasks that opens every connection and keeps their leases. */
  private report(): WorkerToServerMessage {
    const tasks: RunningTask[] = [...this.tasks.values()].map((task) => ({
      task_id: task.taskId,
      ...(task.executionId ? { execution_id: task.executionId } : {}),
      ...(task.adopted ? { adopted: true } : {}),
    }));
    for (const [taskId, final] of this.finals) {
      if (!this.tasks.has(taskId)) tasks.push({ task_id: taskId, ...(final.executionId ? { execution_id: final.executionId } : {}) });
    }
    return { type: 'running_tasks', data: { report_id: this.leases.reportSent(), tasks } };
  }

  private scheduleReports(): void {
    if (this.stopping || this.reportingEveryMs === this.leases.reportEveryMs) return;
    clearInterval(this.reporter);
    this.reportingEveryMs = this.leases.reportEveryMs;
    this.reporter = setInterval(() => {
      if (this.connection.connected) this.connection.send(this.report());
    }, this.reportingEveryMs);
  }

  private onLeases(leases: TaskLeases): void {
    this.leases.answered(leases);
    this.scheduleReports();
    for (const renewed of leases.renewed) {
      const task = this.tasks.get(renewed.task_id);
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
      const task = this.tasks.get(stop.task_id);
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

  /** Stops tasks whose lease the worker could not renew in time: by now the run may be running elsewhere. */
  private fence(): void {
    for (const taskId of this.leases.overdue()) {
      const task = this.tasks.get(taskId);
      this.leases.forget(taskId);
      if (!task || task.exited || task.controller.signal.aborted) continue;
      this.logger.warn({ taskId, executionId: task.executionId }, 'task.lease_lost');
      this.stop(task, 'lease');
    }
  }

  private stop(task: ExecutingTask, reason: StopReason): void {
    if (task.controller.signal.aborted) return;
    task.stoppedFor = reason;
    task.controller.abort();
  }

  private register(taskId: string, executionId: string | undefined, adopted: boolean): ExecutingTask {
    const task: ExecutingTask = {
      taskId,
      ...(executionId ? { executionId } : {}),
      adopted,
      controller: new AbortController(),
      superseded: false,
      exited: false,
      done: Promise.resolve(),
    };
    this.tasks.set(taskId, task);
    return task;
  }

  private armDeadline(task: ExecutingTask, deadline: number | undefined): void {
    if (deadline === undefined) return;
    const check = () => {
      const left = deadline - Date.now();
      if (left > 0) {
        task.deadline = setTimeout(check, Math.min(left, MAX_TIMER_MS));
        return;
      }
      if (!task.exited) this.stop(task, 'timeout');
    };
    check();
  }

  private forget(task: ExecutingTask): void {
    clearTimeout(task.deadline);
    this.leases.forget(task.taskId);
    if (this.tasks.get(task.taskId) === task) this.tasks.delete(task.taskId);
  }

  /** Sends a task's last message (unless its run is no longer this execution's) and keeps it until acknowledged. */
  private finish(task: ExecutingTask, report: Report): void {
    if (task.superseded) return;
    this.end(task.taskId, task.executionId, report);
  }

  private end(taskId: string, executionId: string | undefined, report: Report): void {
    const message = fitToMessage({ ...report, data: { ...report.data, ...(executionId ? { execution_id: executionId } : {}) } } as Report);
    this.finals.set(taskId, { ...(executionId ? { executionId } : {}), message, afterReport: this.leases.lastReportId });
    this.connection.send(message);
  }
}

function sameExecution(ours: string | undefined, theirs: string | undefined): boolean {
  return (ours ?? null) === (theirs ?? null);
}
