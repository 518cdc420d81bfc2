import { Logger } from '@nestjs/common';
import type { ServerToWorkerMessage, TaskAssignment, WorkerToServerMessage } from '@oz/contract';
import type { WorkerConfig } from '../config/worker.config';
import type { ControlPlaneConnection } from '../connection/control-plane-connection';
import type { DockerTasks, TaskCallbacks, TaskResult } from './docker-tasks';
import { TaskSupervisor } from './task-supervisor';

/** A task the fake Docker is running: the test ends it, or an abort ends it as a kill would (137). */
interface FakeRun {
  signal: AbortSignal;
  callbacks: TaskCallbacks;
  finish(result: TaskResult): void;
}

class FakeDocker {
  readonly runs = new Map<string, FakeRun>();
  readonly stopAll = jest.fn<Promise<void>, [string[]]>(async () => undefined);
  readonly check = jest.fn(async () => undefined);

  run(assignment: TaskAssignment, signal: AbortSignal, callbacks: TaskCallbacks): Promise<TaskResult> {
    return new Promise((resolve) => {
      this.runs.set(assignment.task_id, { signal, callbacks, finish: resolve });
      signal.addEventListener('abort', () => resolve({ exitCode: 137, output: 'killed' }));
    });
  }
}

class FakeConnection {
  readonly sent: WorkerToServerMessage[] = [];
  private deliver: (message: ServerToWorkerMessage) => void = () => undefined;

  open(onMessage: (message: ServerToWorkerMessage) => void): void {
    this.deliver = onMessage;
  }

  send(message: WorkerToServerMessage): void {
    this.sent.push(message);
  }

  receive(message: ServerToWorkerMessage): void {
    this.deliver(message);
  }

  typesFor(taskId: string): string[] {
    return this.sent.filter((m) => m.data.task_id === taskId).map((m) => m.type);
  }
}

const config = { workerId: 'w1', maxConcurrentTasks: 2 } as WorkerConfig;
const assignment = (taskId: string) => ({ type: 'task_assignment', data: { task_id: taskId, task: {} as TaskAssignment['task'] } }) as const;
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function startSupervisor() {
  const docker = new FakeDocker();
  const connection = new FakeConnection();
  const supervisor = new TaskSupervisor(config, docker as unknown as DockerTasks, connection as unknown as ControlPlaneConnection);
  await supervisor.onApplicationBootstrap();
  return { docker, connection, supervisor };
}

beforeAll(() => Logger.overrideLogger(false));

describe('the task supervisor', () => {
  it('checks Docker before it connects', async () => {
    const { docker } = await startSupervisor();
    expect(docker.check).toHaveBeenCalled();
  });

  it('claims assignments up to its capacity and rejects the rest; a repeated assignment changes nothing', async () => {
    const { docker, connection } = await startSupervisor();
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

  it('reports the start, the log lines and the end of a task', async () => {
    const { docker, connection } = await startSupervisor();
    connection.receive(assignment('a'));
    const run = docker.runs.get('a') as FakeRun;
    run.callbacks.started();
    run.callbacks.log(['one', 'two']);
    run.finish({ exitCode: 0, output: 'answer' });
    await settle();
    expect(connection.sent.slice(1)).toEqual([
      { type: 'task_started', data: { task_id: 'a' } },
      { type: 'task_log', data: { task_id: 'a', lines: ['one', 'two'] } },
      { type: 'task_completed', data: { task_id: 'a', message: 'Task completed successfully', output: 'answer' } },
    ]);
  });

  it('stops a cancelled task and reports it CANCELLED; a cancellation of an unknown task changes nothing', async () => {
    const { docker, connection } = await startSupervisor();
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
    expect(connection.sent.filter((m) => m.data.task_id === 'late')).toEqual([{ type: 'task_rejected', data: { task_id: 'late', reason: 'worker shutting down' } }]);
    expect(docker.runs.has('late')).toBe(false);
  });
});
