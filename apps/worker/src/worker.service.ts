import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ServerToWorkerMessage, TaskAssignment } from '@oz/contract';
import { WORKER_CONFIG } from './config/tokens';
import type { WorkerConfig } from './config/worker.config';
import { ControlPlaneConnection } from './connection/control-plane-connection';
import { DockerTasks, TaskSetupError } from './tasks/docker-tasks';

interface RunningTask {
  controller: AbortController;
  /** Why it was stopped, if it was. */
  stoppedFor?: 'cancel' | 'shutdown';
  done: Promise<void>;
}

/**
 * The worker: takes assignments from the control plane within --max-concurrent-tasks (rejecting the
 * rest, so they stay queued), runs each in Docker and reports it with the official messages plus
 * our extensions (task_started, task_log, output). Cancellation stops the container and reports the
 * task CANCELLED; shutdown stops every container and reports each as failed by graceful_shutdown.
 */
@Injectable()
export class WorkerService {
  private readonly logger = new Logger('worker');
  private readonly tasks = new Map<string, RunningTask>();
  readonly connection: ControlPlaneConnection;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly docker: DockerTasks,
  ) {
    this.connection = new ControlPlaneConnection(config, (message) => this.onMessage(message));
  }

  async start(onFatal: (error: Error) => void): Promise<void> {
    await this.docker.check();
    this.connection.start(onFatal);
    this.logger.log({ workerId: this.config.workerId, maxConcurrentTasks: this.config.maxConcurrentTasks }, 'worker.started');
  }

  async stop(): Promise<void> {
    const ids = [...this.tasks.keys()];
    for (const task of this.tasks.values()) {
      task.stoppedFor = 'shutdown';
      task.controller.abort();
    }
    await this.docker.stopAll(ids).catch(() => undefined);
    await Promise.all([...this.tasks.values()].map((task) => task.done));
    await this.connection.close();
  }

  private onMessage(message: ServerToWorkerMessage): void {
    switch (message.type) {
      case 'task_assignment':
        this.accept(message.data);
        return;
      case 'task_cancellation': {
        const task = this.tasks.get(message.data.task_id);
        if (!task) return;
        task.stoppedFor = 'cancel';
        task.controller.abort();
        return;
      }
    }
  }

  private accept(assignment: TaskAssignment): void {
    const taskId = assignment.task_id;
    if (this.tasks.has(taskId)) return; // a repeated assignment of a task already running
    if (this.tasks.size >= this.config.maxConcurrentTasks) {
      this.connection.send({ type: 'task_rejected', data: { task_id: taskId, reason: 'worker at maximum concurrency' } });
      return;
    }
    this.connection.send({ type: 'task_claimed', data: { task_id: taskId, worker_id: this.config.workerId } });
    const task: RunningTask = { controller: new AbortController(), done: Promise.resolve() };
    this.tasks.set(taskId, task);
    task.done = this.execute(assignment, task).finally(() => this.tasks.delete(taskId));
  }

  private async execute(assignment: TaskAssignment, task: RunningTask): Promise<void> {
    const taskId = assignment.task_id;
    this.logger.log({ taskId, image: assignment.docker_image }, 'task.started');
    try {
      const result = await this.docker.run(assignment, task.controller.signal, {
        started: () => this.connection.send({ type: 'task_started', data: { task_id: taskId } }),
        log: (lines) => this.connection.send({ type: 'task_log', data: { task_id: taskId, lines } }),
      });
      if (task.stoppedFor === 'cancel') {
        this.connection.send({
          type: 'task_completed',
          data: { task_id: taskId, message: 'Task cancelled by user request.', task_state: 'CANCELLED', output: result.output },
        });
      } else if (task.stoppedFor === 'shutdown') {
        this.connection.send({
          type: 'task_failed',
          data: { task_id: taskId, message: 'The worker stopped while the task ran', failure_reason: 'graceful_shutdown', exit_code: result.exitCode, output: result.output },
        });
      } else if (result.exitCode === 0) {
        this.connection.send({ type: 'task_completed', data: { task_id: taskId, message: 'Task completed successfully', output: result.output } });
      } else {
        this.connection.send({
          type: 'task_failed',
          data: {
            task_id: taskId,
            message: result.message ?? `The agent exited with code ${result.exitCode}`,
            failure_reason: result.failureReason ?? 'container_exit',
            exit_code: result.exitCode,
            output: result.output,
          },
        });
      }
      this.logger.log({ taskId, exitCode: result.exitCode, stoppedFor: task.stoppedFor }, 'task.finished');
    } catch (error) {
      const failureReason = error instanceof TaskSetupError ? error.failureReason : 'unknown';
      this.connection.send({
        type: 'task_failed',
        data: { task_id: taskId, message: `Failed to execute task: ${(error as Error).message}`, failure_reason: failureReason },
      });
      this.logger.error({ taskId, err: (error as Error).message, failureReason }, 'task.failed');
    }
  }
}
