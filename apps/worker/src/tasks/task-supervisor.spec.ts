import { Logger } from '@nestjs/common';
import type { ServerToWorkerMessage, TaskAssignment, TaskLeases, WorkerToServerMessage } from '@oz/contract';
import { metricValue } from '@oz/testing';
import type { WorkerConfig } from '../config/worker.config';
import type { ControlPlaneConnection } from '../connection/control-plane-connection';
import { WorkerMetrics } from '../metrics/worker-metrics';
import type { DockerTasks, FoundTaskContainer, StartOptions, TaskCallbacks, TaskResult } from './docker-tasks';
import type { TaskNetwork } from './task-network';
import { LeaseReporter } from './lease-reporter';
import { RunningTasks } from './running-tasks';
import { TaskSupervisor } from './task-supervisor';

/** A task the fake Docker is running: the test ends it, or an abort ends it as a kill would (137). */
interface FakeRun {
  signal: AbortSignal;
  callbacks: TaskCallbacks;
  options?: StartOptions;
  logsSince?: string | null;
  finish(result: TaskResult): void;
}

class FakeDocker {
  readonly runs = new Map<string, FakeRun>();
  found: FoundTaskContainer[] = [];
  readonly discarded: string[] = [];
  readonly stopAll = jest.fn<Promise<void>, [string[]]>(async () => undefined);
  readonly check = jest.fn(async () => undefined);

  run(assignment: TaskAssignment, signal: AbortSignal, callbacks: TaskCallbacks, options: StartOptions): Promise<TaskResult> {
    return this.follow(assignment.task_id, signal, callbacks, { options });
  }

  async inventory(): Promise<FoundTaskContainer[]> {
    return this.found;
  }

  resume(found: FoundTaskContainer, signal: AbortSignal, callbacks: TaskCallbacks, logsSince: string | null): Promise<TaskResult> {
    return this.follow(found.taskId, signal, callbacks, { logsSince });
  }

  async discard(id: string): Promise<void> {
    this.discarded.push(id);
  }

  private follow(taskId: string, signal: AbortSignal, callbacks: TaskCallbacks, extra: Partial<FakeRun>): Promise<TaskResult> {
    return new Promise((resolve) => {
      this.runs.set(taskId, { signal, callbacks, finish: resolve, ...extra });
      signal.addEventListener('abort', () => resolve({ exitCode: 137, output: 'killed' }));
    });
  }
}

class FakeConnection {
  readonly sent: WorkerToServerMessage[] = [];
  connected = true;
  private deliver: (message: ServerToWorkerMessage) => void = () => undefined;
  greeting: () => WorkerToServerMessage | null = () => null;

  open(onMessage: (message: ServerToWorkerMessage) => void, greeting: () => WorkerToServerMessage | null): void {
    this.deliver = onMessage;
    this.greeting = greeting;
  }

  send(message: WorkerToServerMessage): void {
    this.sent.push(message);
  }

  async whenWritable(): Promise<void> {
    return undefined;
  }

  receive(message: ServerToWorkerMessage): void {
    this.deliver(message);
  }

  /** What a new connection would say first. */
  connect(): Extract<WorkerToServerMessage, { type: 'running_tasks' }>['data'] {
    const greeting = this.greeting();
    if (greeting?.type !== 'running_tasks') throw new Error('expected a report of running tasks');
    return greeting.data;
  }

  about(taskId: string): WorkerToServerMessage[] {
    return this.sent.filter((m) => 'task_id' in m.data && m.data.task_id === taskId);
  }

  typesFor(taskId: string): string[] {
    return this.about(taskId).map((m) => m.type);
  }
}

const config = { workerId: 'w1', maxConcurrentTasks: 2, allowedImages: [] } as unknown as WorkerConfig;
const assignment = (taskId: string, extra: Partial<TaskAssignment> = {}) =>
  ({ type: 'task_assignment', data: { task_id: taskId, task: {} as TaskAssignment['task'], ...extra } }) as const;
const leases = (data: Partial<TaskLeases>): ServerToWorkerMessage => ({
  type: 'task_leases',
  data: { renewed: [], stop: [], lease_ms: 5_000, fence_after_ms: 8_000, report_every_ms: 1_666, ...data },
});
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function startSupervisor(options: { found?: FoundTaskContainer[]; config?: Partial<WorkerConfig> } = {}) {
  const docker = new FakeDocker();
  docker.found = options.found ?? [];
  const connection = new FakeConnection();
  const network = { prepare: jest.fn(async () => undefined) };
  const metrics = new WorkerMetrics();
  const running = new RunningTasks(metrics);
  const reporter = new LeaseReporter(connection as unknown as ControlPlaneConnection, running, metrics);
  const supervisor = new TaskSupervisor(
    { ...config, ...options.config } as WorkerConfig,
    docker as unknown as DockerTasks,
    connection as unknown as ControlPlaneConnection,
    network as unknown as TaskNetwork,
    metrics,
    running,
    reporter,
  );
  await supervisor.onApplicationBootstrap();
  return { docker, connection, network, supervisor, metrics };
}

let supervisors: TaskSupervisor[] = [];
beforeAll(() => Logger.overrideLogger(false));
afterEach(async () => {
  await Promise.all(supervisors.map((s) => s.beforeApplicationShutdown()));
  supervisors = [];
  jest.useRealTimers();
});
async function started(options: Parameters<typeof startSupervisor>[0] = {}) {
  const result = await startSupervisor(options);
  supervisors.push(result.supervisor);
  return result;
}

describe('the task supervisor', () => {
  it('checks Docker and makes the task network before it connects', async () => {
    const { docker, network } = await started();
    expect(docker.check).toHaveBeenCalled();
    expect(network.prepare).toHaveBeenCalled();
  });

  it('claims assignments up to its capacity and rejects the rest; a repeated assignment changes nothing', async () => {
    const { docker, connection } = await started();
    for (const id of ['a', 'b', 'a', 'c']) connection.receive(assignment(id));
    expect(connection.sent).toEqual([
      { type: 'task_claimed', data: { task_id: 'a', worker_id: 'w1' } },
      { type: 'task_claimed', data: { task_id: 'b', worker_id: 'w1' } },
      { type: 'task_rejected', data: { task_id: 'c', reason: 'worker at maximum concurrency' } },
    ]);
    expect([...docker.runs.keys()]).toEqual(['a', 'b']);

    docker.runs.get('a')?.finish({ exitCode: 0, output: '' });
    await settle();
    connection.receive(assignment('c'));
    expect(connection.typesFor('c')).toEqual(['task_rejected', 'task_claimed']);
  });

  it('reports the start, the log lines (with their cursor) and the end of a task, each naming its execution', async () => {
    const { docker, connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-1' }));
    const run = docker.runs.get('a') as FakeRun;
    run.callbacks.started();
    run.callbacks.log(['one', 'two'], '2026-01-01T00:00:01.000000000Z');
    run.finish({ exitCode: 0, output: 'answer' });
    await settle();
    expect(connection.sent).toEqual([
      { type: 'task_claimed', data: { task_id: 'a', execution_id: 'e-1', worker_id: 'w1' } },
      { type: 'task_started', data: { task_id: 'a', execution_id: 'e-1' } },
      { type: 'task_log', data: { task_id: 'a', execution_id: 'e-1', lines: ['one', 'two'], cursor: '2026-01-01T00:00:01.000000000Z' } },
      { type: 'task_completed', data: { task_id: 'a', execution_id: 'e-1', message: 'Task completed successfully', output: 'answer' } },
    ]);
  });

  it('counts the tasks running and how each ended: succeeded, failed, cancelled, rejected; and the log lines dropped', async () => {
    const { docker, connection, metrics } = await started();
    const read = async () => {
      const text = await metrics.registry.metrics();
      return {
        running: metricValue(text, 'oz_worker_tasks_running'),
        ...Object.fromEntries(['succeeded', 'failed', 'cancelled', 'rejected'].map((outcome) => [outcome, metricValue(text, 'oz_worker_tasks_total', { outcome }) ?? 0])),
        dropped: metricValue(text, 'oz_worker_log_lines_dropped_total'),
      };
    };
    for (const id of ['a', 'b', 'c']) connection.receive(assignment(id));
    expect(await read()).toEqual({ running: 2, succeeded: 0, failed: 0, cancelled: 0, rejected: 1, dropped: 0 });
    const a = docker.runs.get('a') as FakeRun;
    a.callbacks.logLineDropped?.();
    a.callbacks.logLineDropped?.();
    a.finish({ exitCode: 0, output: '' });
    docker.runs.get('b')?.finish({ exitCode: 3, output: '' });
    await settle();
    connection.receive(assignment('d'));
    connection.receive({ type: 'task_cancellation', data: { task_id: 'd' } });
    await settle();
    expect(await read()).toEqual({ running: 0, succeeded: 1, failed: 1, cancelled: 1, rejected: 1, dropped: 2 });
  });

  it('stops a cancelled task and reports it CANCELLED; a cancellation of an unknown task changes nothing', async () => {
    const { docker, connection } = await started();
    connection.receive(assignment('a'));
    connection.receive({ type: 'task_cancellation', data: { task_id: 'other' } });
    expect(docker.runs.get('a')?.signal.aborted).toBe(false);
    connection.receive({ type: 'task_cancellation', data: { task_id: 'a' } });
    expect(docker.runs.get('a')?.signal.aborted).toBe(true);
    await settle();
    expect(connection.sent.at(-1)).toEqual({
      type: 'task_completed',
      data: { task_id: 'a', message: 'Task cancelled by user request.', task_state: 'CANCELLED', output: 'killed' },
    });
  });

  it('at shutdown stops every task, kills their containers and reports each before it is done', async () => {
    const { docker, connection, supervisor } = await startSupervisor();
    connection.receive(assignment('a'));
    connection.receive(assignment('b'));
    await supervisor.beforeApplicationShutdown();
    expect(docker.stopAll).toHaveBeenCalledWith(['a', 'b']);
    for (const id of ['a', 'b']) {
      expect(connection.sent.find((m) => m.type === 'task_failed' && m.data.task_id === id)?.data).toMatchObject({
        failure_reason: 'graceful_shutdown',
        message: 'The worker stopped while the task ran',
      });
    }
  });

  // Bug fixed: an assignment that arrived while the worker was stopping was claimed and its container
  // started after the others were killed, left running when the worker exited.
  it('rejects assignments that arrive while it is shutting down', async () => {
    const { docker, connection, supervisor } = await startSupervisor();
    connection.receive(assignment('a'));
    let release: () => void = () => undefined;
    docker.stopAll.mockImplementation(() => new Promise((resolve) => (release = () => resolve(undefined))));
    const stopped = supervisor.beforeApplicationShutdown();
    connection.receive(assignment('late'));
    release();
    await stopped;
    expect(connection.about('late')).toEqual([{ type: 'task_rejected', data: { task_id: 'late', reason: 'worker shutting down' } }]);
    expect(docker.runs.has('late')).toBe(false);
  });

  it('fails a task in an image it does not allow, after claiming it, without running anything', async () => {
    const { docker, connection } = await started({ config: { allowedImages: ['ghcr.io/acme/*'] } });
    connection.receive(assignment('a', { docker_image: 'evil/miner:1' }));
    connection.receive(assignment('b', { docker_image: 'ghcr.io/acme/agent:2' }));
    expect(connection.about('a')).toEqual([
      { type: 'task_claimed', data: { task_id: 'a', worker_id: 'w1' } },
      {
        type: 'task_failed',
        data: { task_id: 'a', message: 'Image evil/miner:1 is not allowed on this worker (OZ_WORKER_ALLOWED_IMAGES: ghcr.io/acme/*)', failure_reason: 'invalid_image' },
      },
    ]);
    expect([...docker.runs.keys()]).toEqual(['b']);
  });

  it('stops a task past its time limit and reports it failed with task_timeout; the container carries the deadline', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { docker, connection } = await started();
    connection.receive(assignment('a', { task_timeout_seconds: 60 }));
    expect(docker.runs.get('a')?.options?.deadline).toBe(1_060_000);
    jest.advanceTimersByTime(59_999);
    expect(docker.runs.get('a')?.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(docker.runs.get('a')?.signal.aborted).toBe(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(connection.sent.at(-1)).toMatchObject({ type: 'task_failed', data: { task_id: 'a', failure_reason: 'task_timeout', exit_code: 137 } });
  });
});

describe('per-run leases, seen from the worker', () => {
  it('opens every connection with a report of the tasks it executes, and reports as often as it is asked', async () => {
    jest.useFakeTimers();
    const { connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-a' }));
    const first = connection.connect();
    expect(first).toEqual({ report_id: 1, tasks: [{ task_id: 'a', execution_id: 'e-a' }] });
    connection.receive(leases({ report_id: 1, renewed: [{ task_id: 'a', execution_id: 'e-a' }], report_every_ms: 2_000 }));
    connection.sent.length = 0;
    jest.advanceTimersByTime(2_000);
    expect(connection.sent).toEqual([{ type: 'running_tasks', data: { report_id: 2, tasks: [{ task_id: 'a', execution_id: 'e-a' }] } }]);
  });

  it('stops, without reporting it, a task the control plane says is no longer its execution', async () => {
    const { docker, connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-1' }));
    connection.receive(leases({ stop: [{ task_id: 'a', execution_id: 'e-0', reason: 'reassigned' }] }));
    expect(docker.runs.get('a')?.signal.aborted).toBe(false);
    connection.receive(leases({ stop: [{ task_id: 'a', execution_id: 'e-1', reason: 'reassigned' }] }));
    expect(docker.runs.get('a')?.signal.aborted).toBe(true);
    await settle();
    expect(connection.typesFor('a')).toEqual(['task_claimed']);
    expect(connection.connect().tasks).toEqual([]);
  });

  it('stops a task whose lease it could not renew in time (self-fencing) and reports lease_lost', async () => {
    jest.useFakeTimers({ now: 0 });
    const { docker, connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-1' }));
    const report = connection.connect();
    connection.receive(leases({ report_id: report.report_id, renewed: [{ task_id: 'a', execution_id: 'e-1' }], fence_after_ms: 8_000 }));
    connection.connected = false; // the control plane is out of reach: no more renewals
    await jest.advanceTimersByTimeAsync(7_500);
    expect(docker.runs.get('a')?.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(docker.runs.get('a')?.signal.aborted).toBe(true);
    expect(connection.sent.at(-1)).toMatchObject({ type: 'task_failed', data: { task_id: 'a', execution_id: 'e-1', failure_reason: 'lease_lost' } });
  });

  it('sends a task’s last message again when a later report finds the run still held, and forgets it once the run is over', async () => {
    const { docker, connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-1' }));
    docker.runs.get('a')?.finish({ exitCode: 0, output: 'done' });
    await settle();
    const completion = connection.sent.at(-1);
    expect(completion?.type).toBe('task_completed');
    // Reconnected: the completion may have been lost with the old connection.
    const report = connection.connect();
    expect(report.tasks).toEqual([{ task_id: 'a', execution_id: 'e-1' }]);
    connection.receive(leases({ report_id: report.report_id, renewed: [{ task_id: 'a', execution_id: 'e-1' }] }));
    expect(connection.sent.at(-1)).toEqual(completion);
    connection.receive(leases({ stop: [{ task_id: 'a', execution_id: 'e-1', reason: 'finished' }] }));
    expect(connection.connect().tasks).toEqual([]);
  });

  it('rejects a new execution of a task while the earlier one is still being stopped', async () => {
    const { connection } = await started();
    connection.receive(assignment('a', { execution_id: 'e-1' }));
    connection.receive(assignment('a', { execution_id: 'e-2' }));
    expect(connection.about('a').at(-1)).toEqual({
      type: 'task_rejected',
      data: { task_id: 'a', execution_id: 'e-2', reason: 'an earlier execution of this task is still being stopped' },
    });
  });
});

describe('adopting task containers after a restart', () => {
  const container = (taskId: string, extra: Partial<FoundTaskContainer> = {}): FoundTaskContainer => ({
    id: `c-${taskId}`,
    taskId,
    executionId: `e-${taskId}`,
    neverStarted: false,
    running: true,
    createdAt: 1,
    ...extra,
  });

  it('reports the containers it found as adopted before anything else, and counts them against its capacity', async () => {
    const { connection } = await started({ found: [container('a'), container('b', { running: false })] });
    expect(connection.connect().tasks).toEqual([
      { task_id: 'a', execution_id: 'e-a', adopted: true },
      { task_id: 'b', execution_id: 'e-b', adopted: true },
    ]);
    connection.receive(assignment('c'));
    expect(connection.typesFor('c')).toEqual(['task_rejected']);
  });

  it('follows a kept one on from the log cursor and reports its end; stops and removes one that is no longer its own', async () => {
    const { docker, connection } = await started({ found: [container('a'), container('b')] });
    const report = connection.connect();
    expect(docker.runs.size).toBe(0); // nothing is followed before the control plane answers
    connection.receive(
      leases({
        report_id: report.report_id,
        renewed: [{ task_id: 'a', execution_id: 'e-a', log_cursor: '2026-01-01T00:00:05.000000000Z' }],
        stop: [{ task_id: 'b', execution_id: 'e-b', reason: 'reassigned' }],
      }),
    );
    await settle();
    expect(docker.runs.get('a')?.logsSince).toBe('2026-01-01T00:00:05.000000000Z');
    expect(docker.discarded).toEqual(['c-b']);
    docker.runs.get('a')?.finish({ exitCode: 0, output: 'adopted and done' });
    await settle();
    expect(connection.sent.at(-1)).toEqual({
      type: 'task_completed',
      data: { task_id: 'a', execution_id: 'e-a', message: 'Task completed successfully', output: 'adopted and done' },
    });
    expect(connection.typesFor('b')).toEqual([]);
  });

  it('removes containers that never started and older leftovers of the same task', async () => {
    const { docker, connection } = await started({
      found: [container('a', { id: 'old', running: false, createdAt: 1 }), container('a', { id: 'new', createdAt: 2 }), container('b', { neverStarted: true, running: false })],
    });
    expect(docker.discarded.sort()).toEqual(['c-b', 'old']);
    expect(connection.connect().tasks.map((t) => t.task_id)).toEqual(['a']);
  });

  it('stops an adopted task whose time is up before following it, reporting task_timeout', async () => {
    const { docker, connection } = await started({ found: [container('a', { deadline: Date.now() - 1 })] });
    await settle();
    expect(docker.discarded).toEqual(['c-a']);
    expect(connection.sent.at(-1)).toMatchObject({ type: 'task_failed', data: { task_id: 'a', failure_reason: 'task_timeout' } });
  });
});
