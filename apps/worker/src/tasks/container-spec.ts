import type { TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import type { WorkerConfig } from '../config/worker.config';

/** Used when an assignment names no image, as the official worker does. */
export const DEFAULT_TASK_IMAGE = 'ubuntu:22.04';
/** Labels every task container carries: the run it belongs to and the worker that started it. */
export const TASK_ID_LABEL = 'oz.task-id';
export const WORKER_ID_LABEL = 'oz.worker-id';

export interface TaskContainerInput {
  assignment: TaskAssignment;
  image: string;
  /** The sidecar volume to mount read-only at /agent, when the assignment has a sidecar. */
  sidecarVolume: string | null;
  /** Makes the container's name unique when a task is run again. */
  nameSuffix: string;
}

/**
 * How a task container is created: `/agent/entrypoint.sh agent run --task-id …` in /workspace with
 * the assignment's variables, resource limits, no-new-privileges, every capability dropped, the
 * configured bind mounts and never the Docker socket.
 */
export function taskContainerSpec(input: TaskContainerInput, config: Pick<WorkerConfig, 'workerId' | 'task'>): Docker.ContainerCreateOptions {
  const { assignment } = input;
  const mounts: Docker.MountConfig = [];
  if (input.sidecarVolume) mounts.push({ Type: 'volume', Source: input.sidecarVolume, Target: '/agent', ReadOnly: true });
  mounts.push(...bindMounts(config.task.mounts));
  return {
    name: `oz-task-${assignment.task_id}-${input.nameSuffix}`,
    Image: input.image,
    Entrypoint: ['/agent/entrypoint.sh'],
    Cmd: ['agent', 'run', '--task-id', assignment.task_id, ...(assignment.additional_oz_args ?? [])],
    WorkingDir: '/workspace',
    Env: Object.entries({ ...assignment.env_vars, TASK_ID: assignment.task_id }).map(([name, value]) => `${name}=${value}`),
    Labels: { [TASK_ID_LABEL]: assignment.task_id, [WORKER_ID_LABEL]: config.workerId },
    HostConfig: {
      Mounts: mounts,
      Memory: config.task.memoryBytes,
      MemorySwap: config.task.memoryBytes,
      NanoCpus: config.task.nanoCpus,
      PidsLimit: config.task.pidsLimit,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      NetworkMode: config.task.network,
    },
  };
}

/** `host:container[:ro|:rw]` (checked by the config) as Docker bind mounts. */
export function bindMounts(mounts: string[]): Docker.MountConfig {
  return mounts.map((mount) => {
    const [source = '', target = '', mode] = mount.split(':');
    return { Type: 'bind', Source: source, Target: target, ReadOnly: mode === 'ro' };
  });
}
