import { Inject, Injectable } from '@nestjs/common';
import { OUTPUT_LOG_TAIL_LINES, type TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import { DOCKER, WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';
import {
  CONTROL_PLANE_LABEL,
  DEADLINE_LABEL,
  DEFAULT_TASK_IMAGE,
  EXECUTION_ID_LABEL,
  FENCE_AFTER_LABEL,
  TASK_ID_LABEL,
  taskContainerSpec,
  WORKER_ID_LABEL,
} from './container-spec';
import { ensureImage } from './images';
import { RecentLines } from './log-lines';
import { SidecarVolumes } from './sidecar-volumes';
import { TaskSetupError, throwIfStopped } from './task-errors';
import { followTaskLogs } from './task-logs';
import { readOutputFile } from './task-output';

export interface TaskCallbacks {
  /** The container runs: the agent is running. */
  started(): void;
  /** Lines the task printed, in order, batched, with the log cursor where the batch ends. */
  log(lines: string[], cursor: string | null): void;
  /** The container exited: whatever comes next, the task no longer runs. */
  exited(): void;
  /** Resolves when another log batch may be sent (backpressure). */
  whenWritable(): Promise<void>;
  /** Aborts when the worker stops waiting for the task's log (it is shutting down). */
  abandon: AbortSignal;
  /** A log line went unsent: over the rate limit. */
  logLineDropped?(): void;
}

/** What a new task's container carries for a worker that might adopt it after a restart. */
export interface StartOptions {
  /** When the task's time is up (epoch ms). */
  deadline?: number;
  /** How long it may run without a renewed lease. */
  fenceAfterMs?: number;
}

export interface TaskResult {
  exitCode: number;
  /** The output file, or the log's tail. */
  output: string;
  failureReason?: string;
  message?: string;
}

/** A task container of this worker found at start-up (the worker restarted while it existed). */
export interface FoundTaskContainer {
  id: string;
  taskId: string;
  /** Null for a container made before executions had ids. */
  executionId: string | null;
  /** Created and never started: nothing of the task ran. */
  neverStarted: boolean;
  running: boolean;
  /** Unix seconds. */
  createdAt: number;
  deadline?: number;
  fenceAfterMs?: number;
}

/**
 * Runs assignments in Docker: the task image (pulled only when missing), the sidecar image's /agent
 * in a volume mounted read-only at /agent (SidecarVolumes), the container as taskContainerSpec says.
 * Logs stream while it runs; on exit the output file is copied out. An aborted `signal` kills the
 * container, and a task stopped before its container started never starts it (TaskStoppedError).
 * After a restart the worker finds its containers (`inventory`) and follows them on from where their
 * log was read (`resume`), or stops and removes them (`discard`).
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

  async run(assignment: TaskAssignment, signal: AbortSignal, callbacks: TaskCallbacks, options: StartOptions = {}): Promise<TaskResult> {
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
      container = await this.docker.createContainer(
        taskContainerSpec({ assignment, image, sidecarVolume, nameSuffix: Date.now().toString(36), ...options }, this.config),
      );
    } catch (error) {
      throw new TaskSetupError('container_create', `Could not create the task container: ${(error as Error).message}`);
    }
    try {
      return await this.runContainer(container, signal, callbacks, { fresh: true, logsSince: null });
    } finally {
      if (this.config.cleanup) await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /**
   * This worker's task containers, running or not (found by label): those of its worker id taken
   * from the control plane it connects to (another control plane's, on an engine shared by two
   * deployments with one worker id, are left alone).
   */
  async inventory(): Promise<FoundTaskContainer[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${WORKER_ID_LABEL}=${this.config.workerId}`] } });
    const ours = (labels: Record<string, string>) => !labels[CONTROL_PLANE_LABEL] || labels[CONTROL_PLANE_LABEL] === this.config.controlPlaneUrl;
    return containers
      .filter((c) => c.Labels[TASK_ID_LABEL] && ours(c.Labels))
      .map((c) => ({
        id: c.Id,
        taskId: c.Labels[TASK_ID_LABEL] as string,
        executionId: c.Labels[EXECUTION_ID_LABEL] || null,
        neverStarted: c.State === 'created',
        running: c.State === 'running' || c.State === 'paused' || c.State === 'restarting',
        createdAt: c.Created,
        ...numberLabel('deadline', c.Labels[DEADLINE_LABEL]),
        ...numberLabel('fenceAfterMs', c.Labels[FENCE_AFTER_LABEL]),
      }));
  }

  /**
   * Follows a container found at start-up to its end, reading its log on from `logsSince` (where the
   * control plane's copy ends), as `run` follows a new one; removes it afterwards.
   */
  async resume(found: FoundTaskContainer, signal: AbortSignal, callbacks: TaskCallbacks, logsSince: string | null): Promise<TaskResult> {
    const container = this.docker.getContainer(found.id);
    try {
      return await this.runContainer(container, signal, callbacks, { fresh: false, logsSince });
    } finally {
      if (this.config.cleanup) await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** Stops a container found at start-up whose task is no longer this worker's, and removes it (unless --no-cleanup). */
  async discard(id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    if (this.config.cleanup) await container.remove({ force: true, v: true }).catch(() => undefined);
    else await container.kill().catch(() => undefined);
  }

  private async runContainer(
    container: Docker.Container,
    signal: AbortSignal,
    callbacks: TaskCallbacks,
    how: { fresh: boolean; logsSince: string | null },
  ): Promise<TaskResult> {
    const kill = () => void container.kill().catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      if (how.fresh) {
        throwIfStopped(signal);
        try {
          await container.start();
        } catch (error) {
          throw new TaskSetupError('container_start', `Could not start the task container: ${(error as Error).message}`);
        }
      }
      // Stopped while the start was under way (or before an adopted task was resumed).
      if (signal.aborted) kill();
      callbacks.started();
      const recent = new RecentLines(OUTPUT_LOG_TAIL_LINES);
      const logsDone = followTaskLogs(container, {
        since: how.logsSince,
        linesPerSecond: this.config.task.logLinesPerSecond,
        onLine: (line) => recent.add([line]),
        onBatch: (lines, cursor) => callbacks.log(lines, cursor),
        whenWritable: () => callbacks.whenWritable(),
        onDropped: () => callbacks.logLineDropped?.(),
        signal: callbacks.abandon,
      });
      const { StatusCode: exitCode } = (await container.wait()) as { StatusCode: number };
      callbacks.exited();
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

function numberLabel<K extends string>(key: K, value: string | undefined): Partial<Record<K, number>> {
  const number = Number(value);
  return value && Number.isFinite(number) ? ({ [key]: number } as Record<K, number>) : {};
}
