import { Logger } from '@nestjs/common';
import type { TaskAssignment } from '@oz/contract';
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { WorkerConfig } from '../config/worker.config';
import { fileFromTar } from './tar';

export const OUTPUT_PATH = '/workspace/.oz/agent_output.txt';
/** The log's tail stands in for the output when the agent wrote no output file. */
const LOG_TAIL_LINES = 200;
const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

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

/** A failure before the agent ran, with the official worker's failure_reason. */
export class TaskSetupError extends Error {
  constructor(
    readonly failureReason: 'image_pull' | 'sidecar_prep' | 'container_create' | 'container_start',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs assignments in Docker: the task image (pulled only when missing), the sidecar image's /agent
 * copied into a volume and mounted read-only at /agent, `/agent/entrypoint.sh agent run --task-id …`
 * in /workspace, with resource limits, no-new-privileges, every capability dropped and never the
 * Docker socket. Logs stream while it runs; on exit the output file is copied out.
 */
export class DockerTasks {
  private readonly logger = new Logger('docker');
  private readonly docker: Docker;
  private readonly sidecarVolumes = new Map<string, Promise<string>>();

  constructor(
    private readonly config: WorkerConfig,
    docker?: Docker,
  ) {
    this.docker = docker ?? new Docker();
  }

  /** Fails fast with a clear message when no Docker engine answers. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new Error(`No Docker engine is reachable (${(error as Error).message}); the worker runs tasks in Docker containers`);
    }
  }

  async run(assignment: TaskAssignment, signal: AbortSignal, callbacks: TaskCallbacks): Promise<TaskResult> {
    const image = assignment.docker_image || 'ubuntu:22.04';
    await this.ensureImage(image, 'image_pull');
    const mounts: Docker.MountConfig = [];
    if (assignment.sidecar_image) {
      await this.ensureImage(assignment.sidecar_image, 'sidecar_prep');
      mounts.push({ Type: 'volume', Source: await this.sidecarVolume(assignment.sidecar_image), Target: '/agent', ReadOnly: true });
    }
    for (const mount of this.config.task.mounts) {
      const [source, target, mode] = mount.split(':');
      mounts.push({ Type: 'bind', Source: source as string, Target: target as string, ReadOnly: mode === 'ro' });
    }

    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name: `oz-task-${assignment.task_id}-${Date.now().toString(36)}`,
        Image: image,
        Entrypoint: ['/agent/entrypoint.sh'],
        Cmd: ['agent', 'run', '--task-id', assignment.task_id, ...(assignment.additional_oz_args ?? [])],
        WorkingDir: '/workspace',
        Env: Object.entries({ ...assignment.env_vars, TASK_ID: assignment.task_id }).map(([name, value]) => `${name}=${value}`),
        Labels: { 'oz.task-id': assignment.task_id, 'oz.worker-id': this.config.workerId },
        HostConfig: {
          Mounts: mounts,
          Memory: this.config.task.memoryBytes,
          MemorySwap: this.config.task.memoryBytes,
          NanoCpus: this.config.task.nanoCpus,
          PidsLimit: this.config.task.pidsLimit,
          SecurityOpt: ['no-new-privileges'],
          CapDrop: ['ALL'],
          NetworkMode: this.config.task.network,
        },
      });
    } catch (error) {
      throw new TaskSetupError('container_create', `Could not create the task container: ${(error as Error).message}`);
    }

    const lines: string[] = [];
    try {
      const stopOnAbort = () => void container.kill().catch(() => undefined);
      signal.addEventListener('abort', stopOnAbort, { once: true });
      try {
        await container.start();
      } catch (error) {
        throw new TaskSetupError('container_start', `Could not start the task container: ${(error as Error).message}`);
      }
      callbacks.started();
      const logsDone = this.followLogs(container, (batch) => {
        lines.push(...batch);
        if (lines.length > LOG_TAIL_LINES * 2) lines.splice(0, lines.length - LOG_TAIL_LINES);
        callbacks.log(batch);
      });
      const { StatusCode: exitCode } = (await container.wait()) as { StatusCode: number };
      signal.removeEventListener('abort', stopOnAbort);
      await logsDone;
      const inspected = await container.inspect();
      const outputFile = await this.readOutput(container);
      return {
        exitCode,
        output: outputFile ?? lines.slice(-LOG_TAIL_LINES).join('\n'),
        ...(inspected.State.OOMKilled ? { failureReason: 'container_oom', message: 'The task ran out of memory and was killed' } : {}),
      };
    } finally {
      if (this.config.cleanup) await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** Uses a local image when there is one; pulls only a missing image. */
  private async ensureImage(image: string, failureReason: 'image_pull' | 'sidecar_prep'): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch {
      // missing: pull it
    }
    this.logger.log({ image }, 'image.pull');
    try {
      const stream = await this.docker.pull(image);
      await new Promise((resolve, reject) => this.docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(null))));
    } catch (error) {
      throw new TaskSetupError(failureReason, `Image ${image} is not on this machine and could not be pulled: ${(error as Error).message}`);
    }
  }

  /**
   * A volume holding the sidecar image's /agent, made once per image id: Docker fills an empty volume
   * from the image when a container mounts it, so creating (not starting) a container is enough.
   */
  private sidecarVolume(image: string): Promise<string> {
    let volume = this.sidecarVolumes.get(image);
    if (!volume) {
      volume = this.fillSidecarVolume(image);
      volume.catch(() => this.sidecarVolumes.delete(image));
      this.sidecarVolumes.set(image, volume);
    }
    return volume;
  }

  private async fillSidecarVolume(image: string): Promise<string> {
    const { Id } = await this.docker.getImage(image).inspect();
    const name = `oz-sidecar-${createHash('sha256').update(Id).digest('hex').slice(0, 16)}`;
    try {
      await this.docker.getVolume(name).inspect();
      return name; // filled by an earlier run of this worker
    } catch {
      // not there yet
    }
    try {
      await this.docker.createVolume({ Name: name, Labels: { 'oz.sidecar-image': image } });
      const filler = await this.docker.createContainer({
        Image: image,
        Entrypoint: ['/agent/entrypoint.sh'],
        HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/agent' }], NetworkMode: 'none' },
      });
      await filler.remove({ force: true });
      return name;
    } catch (error) {
      await this.docker.getVolume(name).remove().catch(() => undefined);
      throw new TaskSetupError('sidecar_prep', `Could not prepare the sidecar ${image}: ${(error as Error).message}`);
    }
  }

  private async followLogs(container: Docker.Container, onLines: (lines: string[]) => void): Promise<void> {
    const stream = await container.logs({ follow: true, stdout: true, stderr: true });
    const text = new PassThrough();
    container.modem.demuxStream(stream, text, text);
    let pending = '';
    let batch: string[] = [];
    const flush = () => {
      if (batch.length) onLines(batch);
      batch = [];
    };
    const ticker = setInterval(flush, 250);
    text.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      batch.push(...parts);
      if (batch.length >= 100) flush();
    });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    clearInterval(ticker);
    if (pending) batch.push(pending);
    flush();
  }

  private async readOutput(container: Docker.Container): Promise<string | null> {
    try {
      const archive = await container.getArchive({ path: OUTPUT_PATH });
      const file = await fileFromTar(archive as unknown as AsyncIterable<Buffer>, MAX_OUTPUT_BYTES);
      return file === null ? null : file.toString('utf8').replace(/\s+$/, '');
    } catch {
      return null; // no output file: the log's tail is used
    }
  }

  /** Containers this worker started and that still run (for shutdown). */
  async stopAll(taskIds: string[]): Promise<void> {
    const containers = await this.docker.listContainers({ filters: { label: [`oz.worker-id=${this.config.workerId}`] } });
    await Promise.all(
      containers
        .filter((c) => taskIds.includes(c.Labels['oz.task-id'] ?? ''))
        .map((c) => this.docker.getContainer(c.Id).kill().catch(() => undefined)),
    );
  }
}
