import type { TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import type { WorkerConfig } from '../config/worker.config';

/** Used when an assignment names no image, as the official worker does. */
export const DEFAULT_TASK_IMAGE = 'ubuntu:22.04';
/**
 * Labels every task container carries: the run it belongs to, the execution (assignment) of it, the
 * worker that started it and the control plane it took the task from (a restarted worker adopts only
 * containers of both), and what adopting it needs: when its time is up (epoch ms) and how long it may
 * run without a renewed lease (ms).
 */
export const TASK_ID_LABEL = 'oz.task-id';
export const EXECUTION_ID_LABEL = 'oz.execution-id';
export const WORKER_ID_LABEL = 'oz.worker-id';
export const CONTROL_PLANE_LABEL = 'oz.control-plane';
export const DEADLINE_LABEL = 'oz.deadline';
export const FENCE_AFTER_LABEL = 'oz.fence-after-ms';

export interface TaskContainerInput {
  assignment: TaskAssignment;
  image: string;
  /** The sidecar volume to mount read-only at /agent, when the assignment has a sidecar. */
  sidecarVolume: string | null;
  /** Makes the container's name unique when a task is run again. */
  nameSuffix: string;
  /** When the task's time is up (epoch ms), if it has a limit. */
  deadline?: number;
  /** How long the task may run without a renewed lease, if known. */
  fenceAfterMs?: number;
}

/**
 * How a task container is created: `/agent/entrypoint.sh agent run --task-id …` in /workspace with
 * the assignment's variables, resource limits, no-new-privileges, every capability dropped, the
 * configured network and bind mounts, a log Docker rotates (so a flood cannot fill the disk) and never
 * the Docker socket.
 */
export function taskContainerSpec(input: TaskContainerInput, config: Pick<WorkerConfig, 'workerId' | 'controlPlaneUrl' | 'task'>): Docker.ContainerCreateOptions {
  const { assignment } = input;
  const labels: Record<string, string> = {
    [TASK_ID_LABEL]: assignment.task_id,
    [WORKER_ID_LABEL]: config.workerId,
    [CONTROL_PLANE_LABEL]: config.controlPlaneUrl,
  };
  if (assignment.execution_id) labels[EXECUTION_ID_LABEL] = assignment.execution_id;
  if (input.deadline !== undefined) labels[DEADLINE_LABEL] = String(input.deadline);
  if (input.fenceAfterMs !== undefined) labels[FENCE_AFTER_LABEL] = String(input.fenceAfterMs);
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
    Labels: labels,
    HostConfig: {
      Mounts: mounts,
      Memory: config.task.memoryBytes,
      MemorySwap: config.task.memoryBytes,
      NanoCpus: config.task.nanoCpus,
      PidsLimit: config.task.pidsLimit,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      NetworkMode: config.task.network,
      LogConfig: { Type: 'json-file', Config: { 'max-size': config.task.logMaxSize, 'max-file': String(config.task.logMaxFiles) } },
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
