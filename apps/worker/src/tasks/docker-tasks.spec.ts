import { Logger } from '@nestjs/common';
import type { TaskAssignment } from '@oz/contract';
import type Docker from 'dockerode';
import { PassThrough, type Writable } from 'node:stream';
import type { WorkerConfig } from '../config/worker.config';
import { DockerTasks } from './docker-tasks';
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

  constructor(private readonly steps: Steps) {}

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

  async logs(): Promise<PassThrough> {
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

  async createContainer(): Promise<FakeContainer> {
    this.steps.create?.();
    const container = new FakeContainer(this.steps);
    this.containers.push(container);
    return container;
  }
}

const config = { workerId: 'w1', cleanup: true, task: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 16, network: 'none', mounts: [] } } as unknown as WorkerConfig;
const assignment = { task_id: 'run-1', task: {} as TaskAssignment['task'], docker_image: 'task:latest' } satisfies TaskAssignment;
const callbacks = () => ({ started: jest.fn(), log: jest.fn() });

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
    expect(events.log.mock.calls.flat(2)).toEqual(['one', 'two', 'three']);
    expect(engine.containers[0]?.removed).toBe(true);
  });

  it('kills the container when the task is stopped while it runs', async () => {
    const { engine, tasks } = dockerTasks({});
    const controller = new AbortController();
    const running = tasks.run(assignment, controller.signal, { started: () => controller.abort(), log: jest.fn() });
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
