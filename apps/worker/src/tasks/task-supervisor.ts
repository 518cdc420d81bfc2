import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ServerToWorkerMessage, TaskAssignment } from '@oz/contract';
import { WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { ControlPlaneConnection } from '../connection/control-plane-connection';
import { DockerTasks } from './docker-tasks';
import { finishedTaskReport, unfinishedTaskReport, type StopReason } from './task-reports';

interface RunningTask {
  controller: AbortController;
  /** Why the worker stopped it, if it did. */
  stoppedFor?: StopReason;
  done: Promise<void>;
}

/**
 * The worker's tasks: takes assignments within --max-concurrent-tasks (rejecting the rest, so they
 * stay queued for another worker), runs each in Docker and reports it with the official messages plus
 * our extensions (task_started, task_log, output). A cancellation stops the container and reports the
 * task CANCELLED. Starts once Docker answers (application bootstrap); at shutdown it rejects new
 * assignments, stops every container and reports each task failed by graceful_shutdown, before the
 * connection closes.
 */
@Injectable()
export class TaskSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  private readonly tasks = new Map<string, RunningTask>();
  private stopping = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly docker: DockerTasks,
    private readonly connection: ControlPlaneConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.docker.check();
    this.connection.open((message) => this.onMessage(message));
    this.logger.log({ workerId: this.config.workerId, maxConcurrentTasks: this.config.maxConcurrentTasks }, 'worker.started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.tasks.entries()];
    for (const [, task] of running) {
      task.stoppedFor = 'shutdown';
      task.controller.abort();
    }
    await this.docker.stopAll(running.map(([taskId]) => taskId)).catch(() => undefined);
    await Promise.all(running.map(([, task]) => task.done));
  }

  private onMessage(message: ServerToWorkerMessage): void {
    switch (message.type) {
      case 'task_assignment':
        this.accept(message.data);
        return;
      case 'task_cancellation':
        this.cancel(message.data.task_id);
        return;
    }
  }

  private accept(assignment: TaskAssignment): void {
    const taskId = assignment.task_id;
    if (this.tasks.has(taskId)) return; // a repeated assignment of a task already running
    if (this.stopping || this.tasks.size >= this.config.maxConcurrentTasks) {
      const reason = this.stopping ? 'worker shutting down' : 'worker at maximum concurrency';
      this.connection.send({ type: 'task_rejected', data: { task_id: taskId, reason } });
      return;
    }
    this.connection.send({ type: 'task_claimed', data: { task_id: taskId, worker_id: this.config.workerId } });
    const task: RunningTask = { controller: new AbortController(), done: Promise.resolve() };
    this.tasks.set(taskId, task);
    task.done = this.execute(assignment, task).finally(() => this.tasks.delete(taskId));
  }

  private cancel(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    task.stoppedFor = 'cancel';
    task.controller.abort();
  }

  private async execute(assignment: TaskAssignment, task: RunningTask): Promise<void> {
    const taskId = assignment.task_id;
    this.logger.log({ taskId, image: assignment.docker_image }, 'task.started');
    try {
      const result = await this.docker.run(assignment, task.controller.signal, {
        started: () => this.connection.send({ type: 'task_started', data: { task_id: taskId } }),
        log: (lines) => this.connection.send({ type: 'task_log', data: { task_id: taskId, lines } }),
      });
      this.connection.send(finishedTaskReport(taskId, result, task.stoppedFor));
      this.logger.log({ taskId, exitCode: result.exitCode, stoppedFor: task.stoppedFor }, 'task.finished');
    } catch (error) {
      const report = unfinishedTaskReport(taskId, error, task.stoppedFor);
      this.connection.send(report);
      const failureReason = report.type === 'task_failed' ? report.data.failure_reason : undefined;
      this.logger.error({ taskId, err: (error as Error).message, failureReason, stoppedFor: task.stoppedFor }, 'task.failed');
    }
  }
}
