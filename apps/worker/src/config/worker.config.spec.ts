import { ConfigError, readWorkerCommand, workerSocketUrl, type WorkerConfig } from './worker.config';

const KEY = { OZ_WORKER_API_KEY: 'worker-token-123456' };

function configOf(argv: string[], env: Record<string, string> = {}): WorkerConfig {
  const command = readWorkerCommand(argv, env);
  if (command.help) throw new Error('expected a configuration, got the usage');
  return command.config;
}

function problemsOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    readWorkerCommand(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the worker configuration', () => {
  it('reads flags, turning the control-plane URL into the worker WebSocket URL', () => {
    const config = configOf(
      ['--worker-id', 'build-1', '--max-concurrent-tasks', '3', '--control-plane-url', 'https://oz.example.com/api/v1/', '--no-cleanup', '--mount', '/srv/cache:/cache:ro'],
      { ...KEY, OZ_TASK_CPUS: '1.5' },
    );
    expect(config).toMatchObject({
      workerId: 'build-1',
      maxConcurrentTasks: 3,
      controlPlaneUrl: 'wss://oz.example.com/api/v1/selfhosted/worker/ws',
      apiKey: 'worker-token-123456',
      cleanup: false,
      task: { mounts: ['/srv/cache:/cache:ro'], nanoCpus: 1_500_000_000, network: 'oz-tasks' },
    });
  });

  it('takes the environment when flags are absent, flags winning over it', () => {
    const env = { OZ_WORKER_ID: 'from-env', ...KEY, OZ_CONTROL_PLANE_URL: 'http://cp:8080', OZ_ALLOW_INSECURE_WS: 'true', OZ_RECONNECT_MAX_ATTEMPTS: '5', OZ_RECONNECT_WINDOW_SECONDS: '60' };
    expect(configOf([], env)).toMatchObject({ workerId: 'from-env', controlPlaneUrl: 'ws://cp:8080/api/v1/selfhosted/worker/ws', reconnect: { maxAttempts: 5, windowMs: 60_000 } });
    expect(configOf(['--worker-id', 'from-flag', '--api-key', 'flag-key-123456'], env)).toMatchObject({ workerId: 'from-flag', apiKey: 'flag-key-123456' });
  });

  it('has the documented defaults', () => {
    expect(configOf(['--worker-id', 'w'], KEY)).toEqual({
      workerId: 'w',
      maxConcurrentTasks: 2,
      controlPlaneUrl: 'ws://localhost:8080/api/v1/selfhosted/worker/ws',
      apiKey: KEY.OZ_WORKER_API_KEY,
      cleanup: true,
      allowedImages: [],
      reconnect: { maxAttempts: 0, windowMs: 0 },
      task: {
        memoryBytes: 4096 * 1024 * 1024,
        nanoCpus: 2_000_000_000,
        pidsLimit: 1024,
        network: 'oz-tasks',
        hostPorts: [],
        mounts: [],
        logMaxSize: '10m',
        logMaxFiles: 3,
        logLinesPerSecond: 200,
      },
      metrics: { port: 9464, host: '0.0.0.0', token: null, portChosen: false },
      logLevel: 'info',
    });
  });

  it('refuses plain ws:// to a control plane on another machine unless told to allow it', () => {
    const remote = { ...KEY, OZ_CONTROL_PLANE_URL: 'http://cp.internal:8080' };
    expect(problemsOf(['--worker-id', 'w'], remote)).toMatch(
      /--control-plane-url \(OZ_CONTROL_PLANE_URL\) http:\/\/cp\.internal:8080 is not encrypted and not on this machine: .* --allow-insecure-ws \(OZ_ALLOW_INSECURE_WS=true\)/,
    );
    expect(configOf(['--worker-id', 'w', '--allow-insecure-ws'], remote).controlPlaneUrl).toBe('ws://cp.internal:8080/api/v1/selfhosted/worker/ws');
    expect(configOf(['--worker-id', 'w'], { ...remote, OZ_ALLOW_INSECURE_WS: 'true' }).controlPlaneUrl).toMatch(/^ws:\/\/cp\.internal/);
    for (const local of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://127.1.2.3', 'http://[::1]:8080', 'https://cp.internal', 'wss://cp.internal']) {
      expect(() => configOf(['--worker-id', 'w'], { ...KEY, OZ_CONTROL_PLANE_URL: local })).not.toThrow();
    }
  });

  it('reads the image allow-list and the task log limits', () => {
    const config = configOf(['--worker-id', 'w'], {
      ...KEY,
      OZ_WORKER_ALLOWED_IMAGES: 'ghcr.io/acme/*, node:22*',
      OZ_TASK_LOG_MAX_SIZE: '500k',
      OZ_TASK_LOG_MAX_FILES: '2',
      OZ_TASK_LOG_LINES_PER_SECOND: '50',
      OZ_TASK_NETWORK_HOST_PORTS: '8080, 11434',
    });
    expect(config.allowedImages).toEqual(['ghcr.io/acme/*', 'node:22*']);
    expect(config.task.hostPorts).toEqual([8080, 11434]);
    expect(config.task).toMatchObject({ logMaxSize: '500k', logMaxFiles: 2, logLinesPerSecond: 50 });
    expect(problemsOf(['--worker-id', 'w'], { ...KEY, OZ_TASK_LOG_MAX_SIZE: '10 MB', OZ_TASK_LOG_LINES_PER_SECOND: '0' })).toMatch(
      /OZ_TASK_LOG_MAX_SIZE must be a size like 10m, 500k or 1g \(got "10 MB"\)[\s\S]*OZ_TASK_LOG_LINES_PER_SECOND must be a whole number ≥ 1/,
    );
    expect(problemsOf(['--worker-id', 'w'], { ...KEY, OZ_TASK_NETWORK_HOST_PORTS: '8080,99999' })).toMatch(/OZ_TASK_NETWORK_HOST_PORTS: 99999 is not a port/);
    expect(problemsOf(['--worker-id', 'w'], { ...KEY, OZ_TASK_NETWORK_HOST_PORTS: 'http' })).toMatch(/OZ_TASK_NETWORK_HOST_PORTS must be comma-separated port numbers/);
  });

  it('adds the --mount flags to the comma-separated OZ_TASK_MOUNTS, flags first', () => {
    const config = configOf(['--worker-id', 'w', '--mount', '/a:/a', '--mount', '/b:/b:ro'], { ...KEY, OZ_TASK_MOUNTS: ' /c:/c:rw , /d:/d ' });
    expect(config.task.mounts).toEqual(['/a:/a', '/b:/b:ro', '/c:/c:rw', '/d:/d']);
  });

  it('names every problem at once, with the usage line', () => {
    const message = problemsOf(['--worker-id', 'warp-1', '--max-concurrent-tasks', '0', '--mount', 'relative:/x', '--control-plane-url', 'ftp://cp'], {
      OZ_TASK_MEMORY_MB: 'lots',
      OZ_TASK_CPUS: '-1',
      OZ_LOG_LEVEL: 'chatty',
    });
    expect(message).toMatch(/^Invalid worker configuration:/);
    expect(message).toMatch(/--worker-id \(OZ_WORKER_ID\) "warp-1" is not a worker id: .*not starting with "warp"/);
    expect(message).toMatch(/--api-key \(or OZ_WORKER_API_KEY\) is required/);
    expect(message).toMatch(/--max-concurrent-tasks \(OZ_MAX_CONCURRENT_TASKS\) must be a whole number ≥ 1 \(got "0"\)/);
    expect(message).toMatch(/--control-plane-url \(OZ_CONTROL_PLANE_URL\) must be an http\(s\) URL \(got "ftp:\/\/cp"\)/);
    expect(message).toMatch(/--mount must be \/host\/path:\/container\/path\[:ro\] \(got "relative:\/x"\)/);
    expect(message).toMatch(/OZ_TASK_MEMORY_MB must be a whole number ≥ 16 \(got "lots"\)/);
    expect(message).toMatch(/OZ_TASK_CPUS must be a positive number \(got "-1"\)/);
    expect(message).toMatch(/OZ_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal \(got "chatty"\)/);
    expect(message).toMatch(/^Usage: oz-worker/m);
  });

  it('asks for a worker id and an API key when neither flag nor variable gives them', () => {
    const message = problemsOf([], { OZ_WORKER_API_KEY: 'short' });
    expect(message).toMatch(/--worker-id \(or OZ_WORKER_ID\) is required/);
    expect(message).toMatch(/--api-key \(or OZ_WORKER_API_KEY\) is required: the admin key or OZ_WORKER_TOKEN \(at least 8 characters\)/);
  });

  it('refuses unknown flags and flags without their value', () => {
    expect(problemsOf(['--worker-id', 'a', '--frobnicate'])).toMatch(/Unknown option '--frobnicate'/);
    expect(problemsOf(['--worker-id'])).toMatch(/--worker-id/);
  });

  // Bug fixed: --help used to be reported as a configuration error (usage on stderr, exit 78).
  it('answers --help with the usage, listing every flag and variable, whatever else is wrong', () => {
    const command = readWorkerCommand(['--help', '--max-concurrent-tasks', '0'], {});
    expect(command.help).toBe(true);
    const text = command.help ? command.usage : '';
    expect(text).toMatch(/^Usage: oz-worker --worker-id NAME \[options\]/);
    for (const flag of ['--worker-id NAME', '--max-concurrent-tasks N', '--control-plane-url URL', '--api-key KEY', '--no-cleanup', '--mount HOST:CONTAINER[:ro]']) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('OZ_TASK_MEMORY_MB (default 4096)');
    expect(text).toContain('OZ_WORKER_API_KEY (required)');
    expect(text).toContain('OZ_RECONNECT_WINDOW_SECONDS (default 0)');
  });
});

describe('the worker WebSocket URL', () => {
  it.each([
    ['http://localhost:8080', 'ws://localhost:8080/api/v1/selfhosted/worker/ws'],
    ['https://oz.example.com', 'wss://oz.example.com/api/v1/selfhosted/worker/ws'],
    ['https://oz.example.com/api/v1', 'wss://oz.example.com/api/v1/selfhosted/worker/ws'],
    ['http://proxy.example.com/oz/', 'ws://proxy.example.com/oz/api/v1/selfhosted/worker/ws'],
    ['wss://oz.example.com/', 'wss://oz.example.com/api/v1/selfhosted/worker/ws'],
  ])('%s → %s', (given, expected) => {
    expect(workerSocketUrl(given)).toBe(expected);
  });

  it.each(['localhost:8080', 'ftp://cp', 'not a url'])('refuses %s', (given) => {
    expect(workerSocketUrl(given)).toBeNull();
  });
});
