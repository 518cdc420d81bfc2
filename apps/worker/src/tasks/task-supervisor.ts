import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ServerToWorkerMessage, TaskAssignment } from '@oz/contract';
import { WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { ControlPlaneConnection } from '../connection/control-plane-connection';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { DEFAULT_TASK_IMAGE } from './container-spec';
import { DockerTasks, type FoundTaskContainer, type TaskCallbacks } from './docker-tasks';
import { imageAllowed } from './image-allow-list';
import { LeaseReporter } from './lease-reporter';
import { RunningTasks, type ExecutingTask, type Verdict } from './running-tasks';
import { TaskStoppedError } from './task-errors';
import { TaskNetwork } from './task-network';
import { finishedTaskReport, refusedImageReport, unfinishedTaskReport, type Report } from './task-reports';
/** At shutdown, how long the worker waits for stopped tasks' last log lines before it gives up on them. */
const SHUTDOWN_LOG_GRACE_MS = 5_000;
/** setTimeout's limit; a longer time limit is checked again when this much has passed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The worker's tasks. Takes assignments within --max-concurrent-tasks (rejecting the rest, so they
 * stay queued for another worker), refuses images outside OZ_WORKER_ALLOWED_IMAGES, runs each in
 * Docker and reports it with the official messages plus our extensions (task_started, task_log,
 * output, execution ids). A cancellation stops the container and reports the task CANCELLED; a task
 * past its time limit is stopped and reported failed (task_timeout).
 *
 * Crash safety: on start, before connecting, the worker finds its task containers: those still
 * running or finished while it was away are adopted, and once the control plane confirms them (see
 * LeaseReporter, which keeps every task's lease) it follows them on — logs from where they stopped
 * being read, wait, output — or stops and removes them.
 *
 * At shutdown it rejects new assignments, stops every container and reports each task failed by
 * graceful_shutdown, before the connection closes.
 */
@Injectable()
export class TaskSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  /** Aborts when the worker stops waiting for its tasks' logs (shutdown). */
  private readonly shutdown = new AbortController();
  private stopping = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly docker: DockerTasks,
    private readonly connection: ControlPlaneConnection,
    private readonly network: TaskNetwork,
    private readonly metrics: WorkerMetrics,
    private readonly tasks: RunningTasks,
    private readonly reporter: LeaseReporter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.docker.check();
    await this.network.prepare();
    await this.adopt();
    this.connection.open(
      (message) => this.onMessage(message),
      () => this.reporter.report(),
    );
    this.reporter.start();
    this.logger.log({ workerId: this.config.workerId, maxConcurrentTasks: this.config.maxConcurrentTasks, adopted: this.tasks.size }, 'worker.started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.reporter.stop();
    const running = this.tasks.all();
    for (const task of running) this.tasks.stop(task, 'shutdown');
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
        if (task) this.tasks.stop(task, 'cancel');
        return;
      }
      case 'task_leases':
        this.reporter.onLeases(message.data);
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
      this.metrics.taskEnded('rejected');
      return;
    }
    this.reporter.forgetFinal(taskId);
    this.connection.send({ type: 'task_claimed', data: { ...ref, worker_id: this.config.workerId } });
    const image = assignment.docker_image || DEFAULT_TASK_IMAGE;
    if (!imageAllowed(image, this.config.allowedImages)) {
      this.logger.warn({ taskId, image }, 'task.image_refused');
      this.end(taskId, executionId, refusedImageReport(taskId, image, this.config.allowedImages));
      return;
    }
    const task = this.tasks.add(taskId, executionId, false);
    const seconds = assignment.task_timeout_seconds;
    const deadline = typeof seconds === 'number' && seconds > 0 ? Date.now() + seconds * 1000 : undefined;
    this.armDeadline(task, deadline);
    this.reporter.leases.track(taskId);
    task.done = this.execute(assignment, task, deadline).finally(() => this.forget(task));
  }

  private async execute(assignment: TaskAssignment, task: ExecutingTask, deadline: number | undefined): Promise<void> {
    this.logger.log({ taskId: task.taskId, executionId: task.executionId, image: assignment.docker_image }, 'task.started');
    try {
      const result = await this.docker.run(assignment, task.controller.signal, this.callbacks(task), {
        deadline,
        fenceAfterMs: this.reporter.leases.fenceAfterMs ?? undefined,
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
      const task = this.tasks.add(taskId, chosen.executionId ?? undefined, true);
      task.exited = !chosen.running;
      let settle: (verdict: Verdict) => void = () => undefined;
      const promise = new Promise<Verdict>((resolve) => (settle = resolve));
      task.verdict = { promise, settle };
      this.armDeadline(task, chosen.deadline);
      // Until the control plane answers, it is covered for as long as it was when it was started.
      this.reporter.leases.track(taskId, chosen.running && chosen.fenceAfterMs !== undefined ? chosen.fenceAfterMs : null);
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
      logLineDropped: () => this.metrics.logLineDropped(),
      abandon: this.shutdown.signal,
    };
  }

  private armDeadline(task: ExecutingTask, deadline: number | undefined): void {
    if (deadline === undefined) return;
    const check = () => {
      const left = deadline - Date.now();
      if (left > 0) {
        task.deadline = setTimeout(check, Math.min(left, MAX_TIMER_MS));
        return;
      }
      if (!task.exited) this.tasks.stop(task, 'timeout');
    };
    check();
  }

  private forget(task: ExecutingTask): void {
    this.reporter.leases.forget(task.taskId);
    this.tasks.remove(task);
  }

  /** Sends a task's last message (unless its run is no longer this execution's) and keeps it until acknowledged. */
  private finish(task: ExecutingTask, report: Report): void {
    if (task.superseded) return;
    this.end(task.taskId, task.executionId, report);
  }

  private end(taskId: string, executionId: string | undefined, report: Report): void {
    this.reporter.sendFinal(taskId, executionId, report);
  }
}
