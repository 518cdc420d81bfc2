import { Inject, Injectable } from '@nestjs/common';
import { OUTPUT_LOG_TAIL_LINES, type TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import { DOCKER, WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import { DEFAULT_TASK_IMAGE, TASK_ID_LABEL, taskContainerSpec, WORKER_ID_LABEL } from './container-spec';
import { ensureImage } from './images';
import { RecentLines } from './log-lines';
import { SidecarVolumes } from './sidecar-volumes';
import { TaskSetupError, throwIfStopped } from './task-errors';
import { followTaskLogs } from './task-logs';
import { readOutputFile } from './task-output';

export interface TaskCallbacks {
  /** The container started: the agent is running. */
  started(): void;
  /** Lines the task printed, in order, batched. */
  log(lines: string[]): void;
}

export interface TaskResult {
  exitCode: number;
  /** The output file, or the log's tail. */
  output: string;
  failureReason?: string;
  message?: string;
}

/**
 * Runs assignments in Docker: the task image (pulled only when missing), the sidecar image's /agent
 * in a volume mounted read-only at /agent (SidecarVolumes), the container as taskContainerSpec says.
 * Logs stream while it runs; on exit the output file is copied out. An aborted `signal` kills the
 * container, and a task stopped before its container started never starts it (TaskStoppedError).
 */
@Injectable()
export class DockerTasks {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DOCKER) private readonly docker: Docker,
    private readonly sidecars: SidecarVolumes,
  ) {}

  /** Fails fast with a clear message when no Docker engine answers. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new DockerUnavailableError(`No Docker engine is reachable (${(error as Error).message}); the worker runs tasks in Docker containers`);
    }
  }

  async run(assignment: TaskAssignment, signal: AbortSignal, callbacks: TaskCallbacks): Promise<TaskResult> {
    const image = assignment.docker_image || DEFAULT_TASK_IMAGE;
    await ensureImage(this.docker, image, 'image_pull');
    let sidecarVolume: string | null = null;
    if (assignment.sidecar_image) {
      await ensureImage(this.docker, assignment.sidecar_image, 'sidecar_prep');
      sidecarVolume = await this.sidecars.volumeFor(assignment.sidecar_image);
    }
    throwIfStopped(signal);
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(taskContainerSpec({ assignment, image, sidecarVolume, nameSuffix: Date.now().toString(36) }, this.config));
    } catch (error) {
      throw new TaskSetupError('container_create', `Could not create the task container: ${(error as Error).message}`);
    }
    try {
      return await this.runContainer(container, signal, callbacks);
    } finally {
      if (this.config.cleanup) await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  private async runContainer(container: Docker.Container, signal: AbortSignal, callbacks: TaskCallbacks): Promise<TaskResult> {
    const kill = () => void container.kill().catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      throwIfStopped(signal);
      try {
        await container.start();
      } catch (error) {
        throw new TaskSetupError('container_start', `Could not start the task container: ${(error as Error).message}`);
      }
      // Stopped while the start was under way: the kill came too early to hit a running container.
      if (signal.aborted) kill();
      callbacks.started();
      const recent = new RecentLines(OUTPUT_LOG_TAIL_LINES);
      const logsDone = followTaskLogs(container, (lines) => {
        recent.add(lines);
        callbacks.log(lines);
      });
      const { StatusCode: exitCode } = (await container.wait()) as { StatusCode: number };
      await logsDone;
      const inspected = await container.inspect();
      const outputFile = await readOutputFile(container);
      return {
        exitCode,
        output: outputFile ?? recent.text(),
        ...(inspected.State.OOMKilled ? { failureReason: 'container_oom', message: 'The task ran out of memory and was killed' } : {}),
      };
    } finally {
      signal.removeEventListener('abort', kill);
    }
  }

  /** Kills the running containers this worker started for `taskIds` (at shutdown). */
  async stopAll(taskIds: string[]): Promise<void> {
    const containers = await this.docker.listContainers({ filters: { label: [`${WORKER_ID_LABEL}=${this.config.workerId}`] } });
    await Promise.all(
      containers
        .filter((c) => taskIds.includes(c.Labels[TASK_ID_LABEL] ?? ''))
        .map((c) => this.docker.getContainer(c.Id).kill().catch(() => undefined)),
    );
  }
}

/** The Docker engine did not answer: the worker cannot start. */
export class DockerUnavailableError extends Error {}
