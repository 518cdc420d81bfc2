import { Logger } from '@nestjs/common';
import type { TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import { PassThrough, type Writable } from 'node:stream';
import type { WorkerConfig } from '../config/worker.config';
import { DockerTasks, type FoundTaskContainer, type TaskCallbacks } from './docker-tasks';
import { SidecarVolumes } from './sidecar-volumes';
import { TaskStoppedError } from './task-errors';

/** What the test does at each step of the fake engine (e.g. a cancellation arriving right then). */
interface Steps {
  inspectImage?: () => void;
  create?: () => void;
  start?: () => void;
  /** Printed by the container, then it exits 0 unless killed first. */
  output?: string;
}

class FakeContainer {
  running = false;
  started = false;
  killed = false;
  removed = false;
  private readonly logStream = new PassThrough();
  private exit: (code: number) => void = () => undefined;
  private readonly exited = new Promise<number>((resolve) => (this.exit = resolve));
  readonly modem = { demuxStream: (stream: PassThrough, stdout: Writable) => stream.pipe(stdout) };
  readonly logOptions: unknown[] = [];

  constructor(private readonly steps: Steps) {}

  /** Found already running by a restarted worker: it prints `output` (all of its log so far, as Docker gives it back) and exits. */
  static running(output: string): FakeContainer {
    const container = new FakeContainer({});
    container.started = container.running = true;
    container.logStream.end(output);
    setImmediate(() => container.stop(0));
    return container;
  }

  async start(): Promise<void> {
    this.steps.start?.();
    this.started = this.running = true;
    if (this.steps.output === undefined) return; // runs until killed
    this.logStream.end(this.steps.output);
    setImmediate(() => this.stop(0));
  }

  async kill(): Promise<void> {
    if (!this.running) throw new Error('container is not running');
    this.killed = true;
    this.stop(137);
  }

  private stop(code: number): void {
    this.running = false;
    if (!this.logStream.writableEnded) this.logStream.end();
    this.exit(code);
  }

  async wait(): Promise<{ StatusCode: number }> {
    return { StatusCode: await this.exited };
  }

  async logs(options: unknown): Promise<PassThrough> {
    this.logOptions.push(options);
    return this.logStream;
  }

  async inspect() {
    return { State: { OOMKilled: false } };
  }

  async getArchive(): Promise<never> {
    throw new Error('no such file: /workspace/.oz/agent_output.txt');
  }

  async remove(): Promise<void> {
    this.removed = true;
  }
}

class FakeEngine {
  readonly containers: FakeContainer[] = [];

  constructor(private readonly steps: Steps) {}

  getImage() {
    return {
      inspect: async () => {
        this.steps.inspectImage?.();
        return { Id: 'sha256:0123' };
      },
    };
  }

  readonly found = new Map<string, { container: FakeContainer; labels: Record<string, string>; state: string }>();

  async listContainers() {
    return [...this.found].map(([id, { labels, state }]) => ({ Id: id, Labels: labels, State: state, Created: 1 }));
  }

  getContainer(id: string): FakeContainer | undefined {
    return this.found.get(id)?.container;
  }

  async createContainer(): Promise<FakeContainer> {
    this.steps.create?.();
    const container = new FakeContainer(this.steps);
    this.containers.push(container);
    return container;
  }
}

const config = {
  workerId: 'w1',
  controlPlaneUrl: 'ws://127.0.0.1:8080/api/v1/selfhosted/worker/ws',
  cleanup: true,
  task: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 16, network: 'none', mounts: [], logMaxSize: '1m', logMaxFiles: 1, logLinesPerSecond: 1000 },
} as unknown as WorkerConfig;
const assignment = { task_id: 'run-1', task: {} as TaskAssignment['task'], docker_image: 'task:latest' } satisfies TaskAssignment;
function callbacks(overrides: Partial<TaskCallbacks> = {}) {
  const events = {
    started: jest.fn(),
    log: jest.fn<void, [string[], string | null]>(),
    exited: jest.fn(),
    whenWritable: async () => undefined,
    abandon: new AbortController().signal,
  };
  return Object.assign(events, overrides) as typeof events;
}

function dockerTasks(steps: Steps) {
  const engine = new FakeEngine(steps);
  const docker = engine as unknown as Docker;
  return { engine, tasks: new DockerTasks(config, docker, new SidecarVolumes(docker)) };
}

beforeAll(() => Logger.overrideLogger(false));

describe('running a task in Docker', () => {
  it('streams the log and, without an output file, takes its tail as the output', async () => {
    const { engine, tasks } = dockerTasks({ output: 'one\ntwo\nthree' });
    const events = callbacks();
    const result = await tasks.run(assignment, new AbortController().signal, events);
    expect(result).toEqual({ exitCode: 0, output: 'one\ntwo\nthree' });
    expect(events.started).toHaveBeenCalled();
    expect(events.exited).toHaveBeenCalled();
    expect(events.log.mock.calls.map(([lines]) => lines).flat()).toEqual(['one', 'two', 'three']);
    expect(engine.containers[0]?.removed).toBe(true);
  });

  it('kills the container when the task is stopped while it runs', async () => {
    const { engine, tasks } = dockerTasks({});
    const controller = new AbortController();
    const running = tasks.run(assignment, controller.signal, callbacks({ started: () => controller.abort() }));
    expect(await running).toMatchObject({ exitCode: 137 });
    expect(engine.containers[0]?.killed).toBe(true);
  });

  // Bug fixed: the abort listener was added only once the container existed, so a task cancelled (or
  // a worker stopped) while the image was checked or pulled went on to start its container and ran to
  // the end; at shutdown the worker waited for it.
  it('creates no container for a task stopped while its image was readied', async () => {
    const controller = new AbortController();
    const { engine, tasks } = dockerTasks({ inspectImage: () => controller.abort(), output: 'ran anyway' });
    const events = callbacks();
    await expect(tasks.run(assignment, controller.signal, events)).rejects.toBeInstanceOf(TaskStoppedError);
    expect(engine.containers).toHaveLength(0);
    expect(events.started).not.toHaveBeenCalled();
  });

  it('does not start the container of a task stopped while it was created, and removes it', async () => {
    const controller = new AbortController();
    const { engine, tasks } = dockerTasks({ create: () => controller.abort(), output: 'ran anyway' });
    await expect(tasks.run(assignment, controller.signal, callbacks())).rejects.toBeInstanceOf(TaskStoppedError);
    expect(engine.containers[0]).toMatchObject({ started: false, removed: true });
  });

  // Bug fixed: a kill sent while the container was still starting failed (nothing ran yet), and the
  // container then ran to the end.
  it('kills a container whose task was stopped while it was starting', async () => {
    const controller = new AbortController();
    const { engine, tasks } = dockerTasks({ start: () => controller.abort() });
    expect(await tasks.run(assignment, controller.signal, callbacks())).toMatchObject({ exitCode: 137 });
    expect(engine.containers[0]?.killed).toBe(true);
  });
});

describe('a task container found after a restart', () => {
  it('is found by its labels, with what adopting it takes; another control plane’s is left alone', async () => {
    const { engine, tasks } = dockerTasks({});
    engine.found.set('c1', {
      container: new FakeContainer({}),
      labels: { 'oz.task-id': 'run-1', 'oz.execution-id': 'e-1', 'oz.worker-id': 'w1', 'oz.deadline': '1800000000000', 'oz.fence-after-ms': '8000' },
      state: 'running',
    });
    engine.found.set('c2', { container: new FakeContainer({}), labels: { 'oz.task-id': 'run-2', 'oz.worker-id': 'w1' }, state: 'created' });
    const elsewhere = { 'oz.task-id': 'run-3', 'oz.worker-id': 'w1', 'oz.control-plane': 'ws://127.0.0.1:9999/api/v1/selfhosted/worker/ws' };
    engine.found.set('c3', { container: new FakeContainer({}), labels: elsewhere, state: 'running' });
    expect(await tasks.inventory()).toEqual([
      { id: 'c1', taskId: 'run-1', executionId: 'e-1', neverStarted: false, running: true, createdAt: 1, deadline: 1_800_000_000_000, fenceAfterMs: 8_000 },
      { id: 'c2', taskId: 'run-2', executionId: null, neverStarted: true, running: false, createdAt: 1 },
    ]);
  });

  it('is followed on from where its log was read: earlier lines are not sent again, and each batch says where it ends', async () => {
    const { engine, tasks } = dockerTasks({});
    const log = ['2026-01-01T00:00:01.5Z one', '2026-01-01T00:00:02Z two', '2026-01-01T00:00:03.25Z three', '2026-01-01T00:00:04.000000001Z four'];
    const container = FakeContainer.running(`${log.join('\n')}\n`);
    engine.found.set('c1', { container, labels: { 'oz.task-id': 'run-1', 'oz.worker-id': 'w1' }, state: 'running' });
    const [found] = await tasks.inventory();
    const events = callbacks();
    const result = await tasks.resume(found as FoundTaskContainer, new AbortController().signal, events, '2026-01-01T00:00:02.000000000Z');
    expect(container.logOptions[0]).toMatchObject({ follow: true, timestamps: true, since: '1767225602.000000000' });
    expect(events.log.mock.calls).toEqual([[['three', 'four'], '2026-01-01T00:00:04.000000001Z']]);
    expect(events.started).toHaveBeenCalled();
    expect(result).toEqual({ exitCode: 0, output: 'three\nfour' });
    expect(container.removed).toBe(true);
  });

  it('is stopped and removed when it is no longer this worker’s', async () => {
    const { engine, tasks } = dockerTasks({});
    const container = new FakeContainer({});
    engine.found.set('c1', { container, labels: { 'oz.task-id': 'run-1', 'oz.worker-id': 'w1' }, state: 'running' });
    await tasks.discard('c1');
    expect(container.removed).toBe(true);
  });
});
