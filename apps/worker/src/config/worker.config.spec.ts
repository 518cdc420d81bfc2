import { loadWorkerConfig, WorkerConfigError } from './worker.config';

const problemsOf = (argv: string[], env: Record<string, string> = {}): string => {
  try {
    loadWorkerConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a WorkerConfigError');
};

describe('loadWorkerConfig', () => {
  it('reads flags, turning the control-plane URL into the worker WebSocket URL', () => {
    const config = loadWorkerConfig(
      ['--worker-id', 'build-1', '--max-concurrent-tasks', '3', '--control-plane-url', 'https://oz.example.com/api/v1/', '--no-cleanup', '--mount', '/srv/cache:/cache:ro'],
      { OZ_WORKER_API_KEY: 'worker-token-123456', OZ_TASK_CPUS: '1.5' },
    );
    expect(config).toMatchObject({
      workerId: 'build-1',
      maxConcurrentTasks: 3,
      controlPlaneUrl: 'wss://oz.example.com/api/v1/selfhosted/worker/ws',
      cleanup: false,
      task: { mounts: ['/srv/cache:/cache:ro'], nanoCpus: 1_500_000_000, network: 'bridge' },
    });
  });

  it('takes the environment when flags are absent, flags winning over it', () => {
    const env = { OZ_WORKER_ID: 'from-env', OZ_WORKER_API_KEY: 'worker-token-123456', OZ_CONTROL_PLANE_URL: 'http://cp:8080', OZ_RECONNECT_MAX_ATTEMPTS: '5', OZ_RECONNECT_WINDOW_SECONDS: '60' };
    expect(loadWorkerConfig([], env)).toMatchObject({ workerId: 'from-env', controlPlaneUrl: 'ws://cp:8080/api/v1/selfhosted/worker/ws', reconnect: { maxAttempts: 5, windowMs: 60_000 } });
    expect(loadWorkerConfig(['--worker-id', 'from-flag'], env).workerId).toBe('from-flag');
  });

  it('names every problem at once, with the usage', () => {
    const message = problemsOf(['--worker-id', 'warp-1', '--max-concurrent-tasks', '0', '--mount', 'relative:/x'], { OZ_TASK_MEMORY_MB: 'lots' });
    expect(message).toMatch(/--worker-id is required.*not starting with "warp"/);
    expect(message).toMatch(/--api-key \(or OZ_WORKER_API_KEY\) is required/);
    expect(message).toMatch(/--max-concurrent-tasks must be a whole number ≥ 1 \(got "0"\)/);
    expect(message).toMatch(/--mount must be \/host\/path:\/container\/path\[:ro\] \(got "relative:\/x"\)/);
    expect(message).toMatch(/OZ_TASK_MEMORY_MB must be a whole number/);
    expect(message).toMatch(/^Usage: oz-worker/m);
  });

  it('refuses unknown flags', () => {
    expect(problemsOf(['--worker-id', 'a', '--frobnicate'])).toMatch(/Unknown option '--frobnicate'/);
  });
});
