import type { TaskAssignment } from '@oz/contract';
import { bindMounts, taskContainerSpec } from './container-spec';

const assignment = {
  task_id: 'run-1',
  execution_id: 'exec-1',
  task: {} as TaskAssignment['task'],
  docker_image: 'oz-test-task:e2e',
  env_vars: { OZ_TASK_PROMPT: 'fix it', OZ_ENV_VARS: 'A=1\nB=2' },
  additional_oz_args: ['--model', 'm1'],
} satisfies TaskAssignment;

const config = {
  workerId: 'build-1',
  controlPlaneUrl: 'wss://oz.example.com/api/v1/selfhosted/worker/ws',
  task: {
    memoryBytes: 256 * 1024 * 1024,
    nanoCpus: 1_500_000_000,
    pidsLimit: 64,
    network: 'none',
    hostPorts: [],
    mounts: ['/srv/repos:/srv/repos:ro', '/srv/cache:/cache'],
    logMaxSize: '10m',
    logMaxFiles: 3,
    logLinesPerSecond: 200,
  },
};

describe('the task container', () => {
  const spec = taskContainerSpec(
    { assignment, image: 'oz-test-task:e2e', sidecarVolume: 'oz-sidecar-abc', nameSuffix: 'k1', deadline: 1_800_000_000_000, fenceAfterMs: 8_000 },
    config,
  );

  it('runs the sidecar entrypoint with the official arguments in /workspace', () => {
    expect(spec).toMatchObject({
      name: 'oz-task-run-1-k1',
      Image: 'oz-test-task:e2e',
      Entrypoint: ['/agent/entrypoint.sh'],
      Cmd: ['agent', 'run', '--task-id', 'run-1', '--model', 'm1'],
      WorkingDir: '/workspace',
    });
    expect(spec.Env).toEqual(['OZ_TASK_PROMPT=fix it', 'OZ_ENV_VARS=A=1\nB=2', 'TASK_ID=run-1']);
  });

  it('is labelled with what a restarted worker needs to adopt it: run, execution, worker, control plane, deadline, lease', () => {
    expect(spec.Labels).toEqual({
      'oz.task-id': 'run-1',
      'oz.execution-id': 'exec-1',
      'oz.worker-id': 'build-1',
      'oz.control-plane': 'wss://oz.example.com/api/v1/selfhosted/worker/ws',
      'oz.deadline': '1800000000000',
      'oz.fence-after-ms': '8000',
    });
  });

  it('keeps at most max-file × max-size of log: Docker rotates it', () => {
    expect(spec.HostConfig?.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
  });

  it('is confined: limits, no new privileges, no capabilities, the configured network, no Docker socket', () => {
    expect(spec.HostConfig).toMatchObject({
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 1_500_000_000,
      PidsLimit: 64,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      NetworkMode: 'none',
    });
    expect(JSON.stringify(spec)).not.toContain('docker.sock');
    expect(spec.HostConfig?.Binds).toBeUndefined();
  });

  it('mounts the sidecar read-only at /agent, then the configured bind mounts', () => {
    expect(spec.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'oz-sidecar-abc', Target: '/agent', ReadOnly: true },
      { Type: 'bind', Source: '/srv/repos', Target: '/srv/repos', ReadOnly: true },
      { Type: 'bind', Source: '/srv/cache', Target: '/cache', ReadOnly: false },
    ]);
  });

  it('has no /agent volume without a sidecar', () => {
    const bare = taskContainerSpec({ assignment: { ...assignment, additional_oz_args: undefined }, image: 'x', sidecarVolume: null, nameSuffix: 'k2' }, { ...config, task: { ...config.task, mounts: [] } });
    expect(bare.HostConfig?.Mounts).toEqual([]);
    expect(bare.Cmd).toEqual(['agent', 'run', '--task-id', 'run-1']);
  });

  it('reads :rw and :ro bind mounts', () => {
    expect(bindMounts(['/a:/b:rw', '/c:/d:ro'])).toEqual([
      { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: false },
      { Type: 'bind', Source: '/c', Target: '/d', ReadOnly: true },
    ]);
  });
});
