import { runWorkerCommand } from './support/workers';

/** The built worker's command line: what operators see before any task runs. */
describe('the worker command', () => {
  it('prints its flags and variables for --help and exits 0', async () => {
    const { code, stdout, stderr } = await runWorkerCommand(['--help'], {}).exit;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: oz-worker --worker-id NAME \[options\]/);
    expect(stdout).toContain('--max-concurrent-tasks N');
    expect(stdout).toContain('OZ_TASK_PIDS_LIMIT (default 1024)');
  });

  it('exits 78 naming every configuration problem at once', async () => {
    const { code, stderr } = await runWorkerCommand(['--worker-id', 'warp-1', '--max-concurrent-tasks', 'many'], { OZ_TASK_CPUS: 'none' }).exit;
    expect(code).toBe(78);
    expect(stderr).toMatch(/^Invalid worker configuration:/);
    expect(stderr).toContain('not starting with "warp"');
    expect(stderr).toContain('--api-key (or OZ_WORKER_API_KEY) is required');
    expect(stderr).toContain('--max-concurrent-tasks (OZ_MAX_CONCURRENT_TASKS) must be a whole number ≥ 1 (got "many")');
    expect(stderr).toContain('OZ_TASK_CPUS must be a positive number (got "none")');
  });

  it('refuses a plain ws:// control plane on another machine (the token would cross the network in clear) with 78', async () => {
    const { code, stderr } = await runWorkerCommand(['--worker-id', 'w1', '--control-plane-url', 'http://cp.example.com:8080'], { OZ_WORKER_API_KEY: 'worker-token-123456' }).exit;
    expect(code).toBe(78);
    expect(stderr).toContain('http://cp.example.com:8080 is not encrypted and not on this machine');
    expect(stderr).toContain('--allow-insecure-ws (OZ_ALLOW_INSECURE_WS=true)');
  });

  it('exits 1 and says why when no Docker engine answers', async () => {
    const { code, stderr } = await runWorkerCommand(['--worker-id', 'no-docker'], {
      OZ_WORKER_API_KEY: 'worker-token-123456',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      OZ_LOG_LEVEL: 'fatal',
    }).exit;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^No Docker engine is reachable \(.*\); the worker runs tasks in Docker containers\n$/);
  });
});
